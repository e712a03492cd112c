x = np.arange(6)
x < 'a'
