# Series written and read back: in distributed mode each rank writes, and then
# reads, only the bytes of its own records
s = td.series.fromarray(np.arange(7 * 3 * 5, dtype='int16').reshape(7, 3, 5), index=[1, 2, 3, 4, 5])
s.tobinary('out')
r = td.series.frombinary('out')
print(r.shape, r.dtype, r.count(), r.toarray()[6, 2], r.toarray()[3, 1])
print((r.toarray() == s.toarray()).all())
k = td.series.frombinary('out', skip=2, shape=(7, 3, 3))
print(k.shape, k.toarray()[6, 2], k.toarray()[0, 0])
f = td.series.frombinary('out', dtype='uint8', shape=(21, 10))
print(f.shape, f.toarray()[20])
