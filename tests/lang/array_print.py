# print shows str(); the echo shows repr()
x = np.array([1, 2, 3])
y = np.array([[1.5, 2.0], [3.0, 4.0]])
print(x, y)
print(np.float64(0.1), np.float32(0.1), np.int8(-3), np.array(5))
y
str(x), repr(x), str(np.float64(2.0))
np.array([], dtype=np.float32), np.zeros((0, 3))
