# Series from text: one record per line, values separated by spaces, read
# as float64 from the sorted files; skip drops values from the front of
# each record, shape reshapes, and (as in Thunder) text after a file's
# last newline is not a line. The fixtures are io_text.a.txt and io_text.b.txt.
import thunder as td
import numpy as np
s = td.series.fromtext('.')
s.shape
s.dtype
s.values
td.series.fromtext('io_text.a.txt').values
td.series.fromtext('io_text.*.txt', skip=2).values
td.series.fromtext('.', shape=(2, 2, 4)).shape
td.series.fromtext('.', shape=(-1, 4)).shape
td.series.fromtext('.', index=[0.5, 1.5, 2.5, 3.5]).index
td.series.fromtext('.', labels=[4, 3, 2, 1]).labels
td.series.fromtext('.', dtype='int16').dtype
td.series.fromtext('file://io_text.a.txt').count()

# Series and Images from .npy files
np.save('four.npy', np.arange(24).reshape(2, 3, 4).astype('uint16'))
n = td.series.fromnpy('four.npy')
(n.shape, n.dtype, n.index)
td.series.fromnpy('four.npy', index=[1, 2, 3, 4]).index
m = td.images.fromnpy('four.npy')
(m.shape, m.count(), m.first())
td.images.fromnpy('four.npy', labels=[8, 9]).labels
