x = np.arange(6)
x and 1
