# indexing and slicing arrays; an integer index down to 0-d gives a numpy scalar
z = np.arange(10)
z[2:5], z[::3], z[-1], z[[0, 2, 4]], z[z > 6], z[np.array([1, 3])], z[::-4]
y = np.arange(12).reshape(3, 4)
y[0], y[1, 2], y[:, 2], y[::2], y[-1, -1], y[1:, :2], y[0][3], y[[0, 2]], y[:, [1, 3]]
y[y % 5 == 0], y[np.array([True, False, True])]
y[None, 0].shape, y[:, None].shape
i = 1
y[i, i + 1], y[i:i + 1]
