# center, standardize and zscore across records (axis=0): with the mean and
# std of every record, whichever process holds it
s = td.series.fromarray(np.array([[1, 0, 5], [3, 4, 5], [1, 0, 5], [3, 4, 5]]), index=[7, 8, 9])
# means 2, 2, 5; stds 1, 2, 0
print(s.center(axis=0).toarray())
print(s.standardize(axis=0).toarray())
z = s.zscore(axis=0)
print(z.toarray())
print(z.dtype, z.index, z.shape, z.count())
print(s.astype('float32').center(axis=0).dtype, s.zscore(axis=1).toarray()[1])
# cov: (x - mean)^T (x - mean) / (records - 1); x = 0, 2, 4, 6 and y = 2x
xy = td.series.fromarray(np.array([[0, 0], [2, 4], [4, 8], [6, 12]]))
print(xy.cov().toarray(), xy.cov().dtype)
