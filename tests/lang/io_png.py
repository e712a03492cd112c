# Images through PNG files: topng writes 8-bit grey, RGB or RGBA; uint8 is
# written as is, other dtypes are rescaled per image to 0..255 as scipy's
# imsave did; frompng reads grey as (H, W) and colour as (H, W, 3|4).
import thunder as td
import numpy as np
g = (np.arange(3 * 4 * 5).reshape(3, 4, 5) * 4).astype('uint8')
td.images.fromarray(g).topng('grey')
r = td.images.frompng('grey')
(r.shape, r.dtype, np.array_equal(r.values, g))
td.images.frompng('grey', start=1, stop=2).values[0, 0]
td.images.frompng('grey/image-00002.png').values[0, 0]
td.images.frompng('grey', labels=[1, 2, 3]).labels

# other dtypes: (x - min) * 255 / (max - min), rounded, per image
f = np.array([[[0.0, 0.5], [1.0, 0.25]], [[-3.0, -3.0], [-3.0, -3.0]], [[10.0, 20.0], [30.0, 41.0]]])
td.images.fromarray(f).topng('scaled')
td.images.frompng('scaled').values
i = np.array([[[-1000, 0], [1000, 3000]]], dtype='int16')
td.images.fromarray(i).topng('ints')
td.images.frompng('ints').values
b = np.array([[[True, False], [False, True]]])
td.images.fromarray(b).topng('bools')
td.images.frompng('bools').values

# colour: the last axis 3 is RGB, 4 is RGBA
rgb = (np.arange(2 * 3 * 2 * 3).reshape(2, 3, 2, 3) * 7).astype('uint8')
td.images.fromarray(rgb).topng('rgb', prefix='colour')
c = td.images.frompng('rgb')
(c.shape, c.dtype, np.array_equal(c.values, rgb))
rgba = (np.arange(2 * 2 * 4).reshape(1, 2, 2, 4) * 15).astype('uint8')
td.images.fromarray(rgba).topng('rgba')
td.images.frompng('rgba').values

# the example movie, one plane
m = td.images.fromexample('mouse')
m.topng('mouse')
p = td.images.frompng('mouse')
(p.shape, p.dtype, p.values.min(), p.values.max())
