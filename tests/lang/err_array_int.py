int(np.arange(3))
