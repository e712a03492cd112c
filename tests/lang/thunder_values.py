# Images and Series values: repr, properties, methods, lambdas over records
data = images.fromarray(np.arange(24).reshape(2, 3, 4))
data
data.shape, data.dtype, data.count()
data.first()
data.map(lambda im: im * 2).toarray()[1, 2]
k = 10
data.map(lambda im: im + k).first()[0]
data.filter(lambda im: im.sum() > 100).count()
s = series.fromarray(np.arange(6).reshape(2, 3))
s.map(lambda r: r - r.mean()).toarray()
td.images.fromarray(np.ones((2, 2, 2))).count()
