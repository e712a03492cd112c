# reduce is a left fold in record order, whatever holds the records: a
# function that is not associative gives ((x0 - x1) - x2) - ...
data = td.images.fromarray(np.arange(7 * 2 * 3).reshape(7, 2, 3))
print(data.reduce(lambda a, b: a + b).toarray())
print(data.reduce(lambda a, b: a - b).toarray())
# 2 * (2 * (2 * x0 + x1) + x2) + ...: 64 x0 + 32 x1 + ... + x6
print(data.reduce(lambda a, b: a * 2 + b).toarray()[0])
s = td.series.fromarray(np.arange(24, dtype='float32').reshape(2, 3, 4), index=[3, 5, 7, 9])
m = s.reduce(lambda a, b: np.maximum(a, b) - 1)
print(m.toarray(), m.dtype, m.index, m.shape)
