x = np.arange(6)
x[5]
x[6]
