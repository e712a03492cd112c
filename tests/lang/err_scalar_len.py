len(np.float64(1))
