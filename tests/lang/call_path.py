# the per-call path: reductions of short integer lanes, method calls with and
# without arguments, frames, views that outlive the array they came from
a = (np.arange(300) * 7919 % 65536).astype('uint16')
a.mean(), a.sum(), a[:37].mean(), a.astype('int8').mean(), a.astype('int16').sum(), a.astype('uint8').var()
b = ((np.arange(20000) * 104729 % 4294967291) - 2147483645).astype('int32')
b.mean(), b.sum(), b.astype('uint32').mean(), b.astype('int16').mean(), b.astype('bool').sum()
m = b.reshape(100, 200)
m.mean(axis=1)[:3], m.sum(axis=1)[-2:], m.astype('uint16').mean(axis=1)[:2]
x = np.arange(6.0).reshape(2, 3)
x.mean(), x.mean(), x.sum(), x.max(), x.mean(axis=0), x.mean(0), x.std(), x.shape, x.T.shape, np.mean(x), np.sum(x, axis=1)
f = lambda p, q=2, r=3, s=4, t=5, u=6, v=7, w=8, y=9, z=10, k=11, l=12, n=13: p + q + r + s + t + u + v + w + y + z + k + l + n
f(1), f(1, 1), f(1, n=0)
adder = lambda p: (lambda q: p + q)
add2 = adder(2)
add2(3), adder(10)(adder(1)(1))
v = np.arange(10.0)[2:5]
w = (np.arange(6) * 3).reshape(2, 3).T
v, v.sum(), w, w.mean()
u8 = np.array([1, 2, 250], dtype='uint8')
u8 + np.uint64(5), u8 - np.array(300), np.array(300) - u8, u8 * np.float32(1.5), np.int16(3) + 1, u8 ** np.int64(2)
movie = (np.arange(120) ** 2 * 7 % 1009).astype('uint16').reshape(6, 4, 5)
td.images.fromarray(movie).map_as_series(lambda s: s - s.mean()).toarray()[:, 1, :2]
td.series.fromarray(movie.reshape(6, 20).T.astype('float64')).map(lambda r: r - r.mean()).toarray()[5:7]
