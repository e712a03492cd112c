# Images through TIFF files: totif keeps the dtype; 2-D images are one page,
# 3-D images one page per first-axis entry (or RGB when the last axis is 3
# or 4); fromtif reads pages first, groups them by nplanes, sorts and
# slices the files, and takes both .tif and .tiff.
import thunder as td
import numpy as np
a = np.arange(2 * 3 * 5).reshape(2, 3, 5) * 7 % 11
tif_rt = lambda dt, x: (td.images.fromarray(x.astype(dt)).totif('t_' + dt), td.images.fromtif('t_' + dt))[1]
same = lambda d, x: (d.shape, d.dtype, np.array_equal(d.values, x))
same(tif_rt('uint8', a), a.astype('uint8'))
same(tif_rt('int8', a - 5), (a - 5).astype('int8'))
same(tif_rt('uint16', a * 5000), (a * 5000).astype('uint16'))
same(tif_rt('int16', a - 32768), (a - 32768).astype('int16'))
same(tif_rt('uint32', a * 400000000), (a * 400000000).astype('uint32'))
same(tif_rt('int32', -a * 100000), (-a * 100000).astype('int32'))
same(tif_rt('int64', a - 2 ** 40), (a - 2 ** 40).astype('int64'))
same(tif_rt('uint64', a.astype('uint64') * 1500000000000000000), a.astype('uint64') * 1500000000000000000)
same(tif_rt('float32', a / 3), (a / 3).astype('float32'))
same(tif_rt('float64', a / 3 - 1e300), (a / 3 - 1e300).astype('float64'))

# volumes: one page per plane; nplanes regroups the pages
v = np.arange(3 * 4 * 2 * 3).reshape(3, 4, 2, 3).astype('uint16')
td.images.fromarray(v).totif('vol', prefix='stack')
r = td.images.fromtif('vol')
(r.shape, np.array_equal(r.values, v))
td.images.fromtif('vol', nplanes=2).shape
np.array_equal(td.images.fromtif('vol', nplanes=2).values[1], v[0][2:4])
td.images.fromtif('vol', nplanes=1).shape
td.images.fromtif('vol', nplanes=1, start=1, stop=2).values[:, 0, 0]
td.images.fromtif('vol', start=2).count()
td.images.fromtif('vol/stack-0000[02].tif').values[:, 0, 0, 0]
td.images.fromtif('vol', ext='tiff').count()
td.images.fromtif('vol', labels=[5, 6, 7]).labels

# RGB and RGBA pages
rgb = (np.arange(2 * 4 * 5 * 3).reshape(2, 4, 5, 3) * 3).astype('uint8')
td.images.fromarray(rgb).totif('rgb')
c = td.images.fromtif('rgb')
(c.shape, c.dtype, np.array_equal(c.values, rgb))
rgba = (np.arange(1 * 2 * 2 * 4).reshape(1, 2, 2, 4) * 9).astype('uint8')
td.images.fromarray(rgba).totif('rgba')
td.images.fromtif('rgba').values

# the example movie survives a round trip
f = td.images.fromexample('fish')
f.totif('fish')
np.array_equal(td.images.fromtif('fish').values, f.values)
td.images.fromtif('fish', nplanes=1).shape
