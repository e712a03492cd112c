x = np.arange(6)
x[1.5]
