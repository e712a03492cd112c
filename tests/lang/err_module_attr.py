np.arrya([1])
