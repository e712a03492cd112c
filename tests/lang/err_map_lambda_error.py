data = images.fromarray(np.zeros((2, 3, 4)))
data.map(lambda im: im + undefined_in_lambda)
