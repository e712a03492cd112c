x = np.arange(6)
x + np.ones(4)
