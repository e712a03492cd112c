# numpy scalars: 0-d results act as numbers
s = np.arange(10).sum()
s, s + 1, s * 2.0, s / 4, -s, s == 45, s > 50
f = np.float64(1.5)
f, f + 1, f * 2, 1 / f, f ** 2, np.int16(3) + 1, np.float32(0.1)
float(f), int(np.int64(7)), int(np.float64(2.9)), round(np.float64(2.5)), round(np.float64(2.675), 2), bool(np.array([0]))
len(np.zeros((3, 4))), max(np.array([3, 1, 2])), min(np.array([3, 1, 2])), sum(np.array([1, 2, 3]))
3 in np.arange(5), 20 in np.arange(5)
[1, 2][np.int64(1)], 'abc'[np.int16(-1)], [0] * np.int64(3)
