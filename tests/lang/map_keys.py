# map with_keys: each record's key is its place in the whole, whichever
# process holds it
data = td.images.fromarray(np.zeros((5, 2, 3), dtype='int16'))
k = data.map(lambda kv: kv[1] + kv[0][0], with_keys=True)
print(k.dtype, k.shape, k.toarray()[:, 1, 2])
s = td.series.fromarray(np.arange(3 * 4 * 2).reshape(3, 4, 2))
keys = s.map(lambda kv: np.array([kv[0][0], kv[0][1]]) * 10 + kv[1][0] * 0, with_keys=True)
print(keys.shape, keys.toarray()[2, 3], keys.toarray()[1, 0], keys.toarray()[0, 2])
print(s.map(lambda kv: kv[1] * kv[0][1], with_keys=True).toarray()[:, 3, 1])
