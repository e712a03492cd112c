# Images filters, projections and per-image methods from the language
import thunder as td
import numpy as np

data = td.images.fromarray(np.arange(48).reshape(2, 4, 6))
print(data.subsample(2).toarray())
print(data.subsample((1, 3)).shape)
print(data.max_projection(axis=1).toarray())
print(data.max_min_projection(axis=-2).toarray())
print(data.subtract(1).toarray()[0, 0])
print(data.subtract(np.ones((4, 6))).dtype)
print(data.subtract(np.float32(0.5)).dtype)
print(data.uniform_filter(2).toarray()[1])
print(data.median_filter(size=3).toarray()[0])
print(data.gaussian_filter(sigma=[1, 0.5], order=0).dtype)
print(data.astype(np.uint8).gaussian_filter().toarray()[0])

# volumes: one size for all axes, or plane by plane when size[2] is 0
vol = td.images.fromrandom(shape=(3, 4, 5, 6), seed=1)
print(vol.uniform_filter([3, 3, 0]).shape)
print(vol.median_filter(3).dtype)
r = vol.localcorr(neighborhood=3)
print(r.shape, r.dtype)
print(np.allclose(vol.localcorr(size=3), r))

# sample draws from numpy's global generator, as Thunder's local mode
np.random.seed(3)
print(data.sample(4).toarray()[:, 0, 0])
np.random.seed(3)
print(data.sample(nsamples=4, seed=9).toarray()[:, 0, 0])
print(data.sample().count())
