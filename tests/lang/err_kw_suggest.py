images.fromarray(np.zeros((2, 3, 4)), labls=[1, 2])
