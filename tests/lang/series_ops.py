# Series operations in the language: index values, selections, groups, statistics.
import thunder as td
import numpy as np

d = td.series.fromarray(np.arange(8).reshape(2, 4), index=["a", "b", "c", "d"])
print(d.index)
print(d.select("c").toarray())
print(d.select(["d", "a", "z"]).index)
print(d.select(lambda x: x >= "b").index)
print(d.between("b", "d").index)
print(d.select_by_index(["a", "d"]).toarray())
print(d.map(lambda x: x * 2).index)
print(d.filter(lambda x: x[0] > 0).index)
print(d.map(lambda x: x[:2], index=["first", "second"]).index)

n = td.series.fromarray(np.arange(12).reshape(2, 6) * 1.0, index=[10, 20, 30, 40, 50, 60])
print(n.between(25, 50).index)
print(n.select(20).toarray())
print(n.select(lambda i: i % 20 == 0).index)
print(n.subsample(4).index)

idx = np.array([[0, 0, 0, 1, 1, 1], [0, 1, 1, 0, 1, 1]]).T
m = td.series.fromarray(np.arange(12).reshape(2, 6) ** 2, index=idx)
r, mask = m.select_by_index(1, level=1, return_mask=True)
print(r.index.tolist(), mask)
print(m.select_by_index([[1], [0, 1]], level=[0, 1], squeeze=True).index)
print(m.select_by_index(0, level=0, filter=True).toarray())
print(m.aggregate_by_index(lambda v: v.max() - v.min(), level=1).toarray())
print(m.stat_by_index("MEAN", level=[1, 0]).index.tolist())
print(m.count_by_index(level=0).toarray())

s = td.series.fromarray(np.array([[1.0, 4.0, 2.0, 8.0], [3.0, 3.0, 3.0, 3.0]]))
print(s.series_stats().index)
print(s.series_stats().toarray())
print(s.series_stat("Median").index, s.series_std().index, s.series_percentile([25, 75]).index)
print(s.zscore().toarray())
print(s.squelch(4).toarray())
print(s.times(s.gramian()).shape, s.times(2.0).dtype, s.times([1, 1, 1, 1]).toarray())
print(s.fourier(freq=1).index)
print(n.correlate("../data/mat/signal.mat", var="s").index, n.correlate(np.ones((3, 6)) * np.arange(6)).shape)
print(s.sample(3, seed=1).shape, s.sample(nsamples=2).shape)
print(s.flatten().shape, s.mean_by_window([1, 2], 2).toarray())
