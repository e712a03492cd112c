data = images.fromarray(np.zeros((2, 3, 4)))
data.count()
data.toarry()
