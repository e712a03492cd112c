# Images and Series through flat binary files: tobinary then frombinary, for
# every dtype, with Thunder's file names, conf.json, start/stop, nplanes,
# Fortran order and the arguments that override or replace the conf file.
import thunder as td
import numpy as np
a = np.arange(24).reshape(2, 3, 4) % 5
images_rt = lambda dt: (td.images.fromarray(a.astype(dt)).tobinary('im_' + dt), td.images.frombinary('im_' + dt))[1]
series_rt = lambda dt: (td.series.fromarray(a.astype(dt)).tobinary('se_' + dt), td.series.frombinary('se_' + dt))[1]
same = lambda d, dt: (d.shape, d.dtype, np.array_equal(d.values, a.astype(dt)))
same(images_rt('bool'), 'bool')
same(images_rt('int8'), 'int8')
same(images_rt('uint8'), 'uint8')
same(images_rt('int16'), 'int16')
same(images_rt('uint16'), 'uint16')
same(images_rt('int32'), 'int32')
same(images_rt('uint32'), 'uint32')
same(images_rt('int64'), 'int64')
same(images_rt('uint64'), 'uint64')
same(images_rt('float32'), 'float32')
same(images_rt('float64'), 'float64')
same(series_rt('bool'), 'bool')
same(series_rt('int8'), 'int8')
same(series_rt('uint16'), 'uint16')
same(series_rt('int32'), 'int32')
same(series_rt('uint64'), 'uint64')
same(series_rt('float32'), 'float32')
same(series_rt('float64'), 'float64')

# extremes survive the round trip
x = np.array([[[-32768, 32767], [0, -1]]], dtype='int16')
td.images.fromarray(x).tobinary('extremes')
td.images.frombinary('extremes').values
f = np.array([[[np.nan, np.inf], [-np.inf, -0.0]]])
td.images.fromarray(f).tobinary('floats')
td.images.frombinary('floats').values

# a prefix, and start/stop over the sorted files
v = np.arange(5 * 2 * 3).reshape(5, 2, 3).astype('uint16')
td.images.fromarray(v).tobinary('five', prefix='frame')
td.images.frombinary('five').count()
td.images.frombinary('five', start=1, stop=3).values
td.images.frombinary('five', start=-2).values[:, 0, 0]
td.images.frombinary('five', stop=0).count()
td.images.frombinary('five/frame-0000[24].bin').values[:, 0, 0]
td.images.frombinary('five', labels=[10, 11, 12, 13, 14]).labels

# nplanes cuts the last axis into images of nplanes planes (then squeezed)
w = np.arange(2 * 2 * 2 * 4).reshape(2, 2, 2, 4).astype('int32')
td.images.fromarray(w).tobinary('vol')
p = td.images.frombinary('vol', nplanes=2)
p.shape
np.array_equal(p.values[1], w[0][:, :, 2:4])
td.images.frombinary('vol', nplanes=1).shape

# no conf file: shape and dtype as arguments, in C or Fortran order
td.images.frombinary('five', shape=(3, 2), dtype='uint16', conf='none.json', stop=1).values
td.images.frombinary('five', shape=(3, 2), dtype='uint16', conf='none.json', stop=1, order='F').values
td.images.frombinary('five', shape=(6,), dtype='uint8', conf='none.json', stop=1).values
td.images.frombinary('five', shape=(2, 2), dtype=np.uint16, conf='none.json', stop=1).values

# Series: the arguments win over conf.json, skip drops values per record
s = td.series.fromarray(np.arange(12).reshape(3, 4).astype('float64'))
s.tobinary('rec')
td.series.frombinary('rec').shape
td.series.frombinary('rec', shape=(6, 2)).values
td.series.frombinary('rec', shape=(4, 2), skip=1).values
td.series.frombinary('rec', dtype='int32', shape=(6, 4)).values[0]
td.series.frombinary('rec', index=[10, 20, 30, 40]).index
td.series.frombinary('rec/series-00000.bin').count()
td.series.frombinary('rec', labels=[7, 8, 9]).labels
m = td.series.fromarray(np.arange(24).reshape(2, 3, 4).astype('int16'))
m.tobinary('multi', prefix='rows')
td.series.frombinary('multi').shape
np.array_equal(td.series.frombinary('multi').values, m.values)
