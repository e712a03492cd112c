data = td.images.fromarray(np.arange(7 * 2 * 3).reshape(7, 2, 3))
print(data.reduce(lambda a, b: a + b).count())
# fails on image 5, after five images folded
data.reduce(lambda a, b: a + b if b[0, 0] < 30 else b.undefined)
