f = np.float64(1.0)
f[0]
