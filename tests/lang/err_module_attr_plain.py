np.zzzzzz
