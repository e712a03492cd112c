# fromexample: offline synthetic stand-ins under Thunder's dataset names;
# with no name it lists them and returns None.
import thunder as td
import numpy as np
x = td.images.fromexample()
x is None
td.series.fromexample()
m = td.images.fromexample('mouse')
(m.shape, m.dtype)
f = td.images.fromexample('fish')
(f.shape, f.dtype)
i = td.series.fromexample('iris')
(i.shape, i.dtype, i.index)
s = td.series.fromexample('mouse')
(s.shape, s.dtype)
np.array_equal(s.values, m.values.transpose(1, 2, 0))
t = td.series.fromexample('fish')
(t.shape, t.dtype)
np.array_equal(t.values, f.values.transpose(2, 3, 1, 0))
# the same values every time
np.array_equal(td.images.fromexample('mouse').values, m.values)
# cells light up: the brightest pixels change far more than the median one
r = m.values.max(axis=0).astype('int64') - m.values.min(axis=0)
r.max() > 10 * np.percentile(r, 50)
td.images.fromexample('iris')
