# arrays unpack and iterate over their first axis
list(np.array([1, 2]))
a, b = np.array([5, 6])
a, b
r0, r1 = np.arange(4).reshape(2, 2)
r0, r1
tuple(np.array([1.5, 2.5]))
print(*np.array([1, 2, 3]))
