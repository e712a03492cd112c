# arrays with Python numbers and with arrays: numpy's broadcasting and dtypes
x = np.array([1, 2, 3])
x + 1, x * 2.5, x / 2, x // 2, x % 2, x ** 2, -x, +x, abs(-x), 1 - x, 2 ** x, 10 / x
x == 2, x > 1, 2 < x, x != x, x <= 2.5
y = np.array([[1.5, 2.0], [3.0, 4.0]])
y + np.array([10, 20]), y * y, y - [1, 1], [1, 2] + y
np.array([True, False]) & np.array([True, True]), np.array([1, 2]) | 4, np.array([6]) ^ 3, ~np.array([1, 2])
