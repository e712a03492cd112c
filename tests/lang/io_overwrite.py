# Writers create a new directory; overwrite=True replaces an earlier output
# as a whole, and without it an existing path is refused. (A directory
# read from in this session is never replaced: see io_err_overwrite_source.)
import thunder as td
import numpy as np
a = td.images.fromarray(np.zeros((3, 2, 2), dtype='uint8'))
b = td.images.fromarray(np.ones((2, 2, 2), dtype='uint8'))
a.tobinary('out')
b.tobinary('out', overwrite=True)
a.totif('tif')
b.totif('tif', overwrite=True)
b.topng('png')
a.topng('png', overwrite=True)
s = td.series.fromarray(np.arange(6).reshape(2, 3))
s.tobinary('ser')
s.tobinary('ser', overwrite=True, prefix='x')
# what was written last is what is there: no file of the earlier output remains
td.images.frombinary('out').count()
td.images.frombinary('out').values.max()
td.images.fromtif('tif').count()
td.images.frompng('png').count()
td.series.frombinary('ser').shape
td.series.frombinary('ser/x-00000.bin').count()
size = lambda t: [(t[0], np.array([[len(t[1])]]))]
td.images.frompath('out', accessor=size).count()
b.tobinary('out')
