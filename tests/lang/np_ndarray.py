# ndarray attributes and methods
import numpy as np
x = np.arange(6, dtype=np.int16).reshape(2, 3)
x.shape
x.ndim
x.size
x.dtype
str(x.dtype)
x.T
x.nbytes
x.itemsize
np.float64(2).shape
x.mean()
x.mean(axis=0)
x.mean(1, keepdims=True)
x.sum()
x.sum().dtype
x.sum(axis=1)
x.sum(0, dtype=np.float32)
x.prod()
x.std()
x.std(axis=1, ddof=1)
x.var()
x.var(0)
x.max()
x.max(axis=0)
x.min(axis=1)
x.argmax()
x.argmin(axis=1)
x.any()
(x > 4).any(axis=0)
x.all()
x.all(axis=1)
x.reshape(3, 2)
x.reshape((3, 2))
x.reshape([6])
x.reshape(-1, 2)
x.reshape(6).reshape(1, 6, 1).shape
x.astype(np.float64)
x.astype('uint8').dtype
np.float64(2.7).astype(np.int16)
x.flatten()
x.ravel()
x.copy()
np.ones((1, 3, 1)).squeeze()
np.ones((1, 3, 1)).squeeze(axis=2).shape
x.transpose()
x.transpose(1, 0)
x.transpose((1, 0))
np.arange(24).reshape(2, 3, 4).transpose(2, 0, 1).shape
np.arange(24).reshape(2, 3, 4).swapaxes(0, 2).shape
x.tolist()
np.array([1.5, 2.0]).tolist()
np.array([True, False]).tolist()
np.array(3).tolist()
x.item(4)
x.item(-1)
x.item(1, 2)
np.array([2.5]).item()
np.float64(1.25).item()
x.clip(1, 4)
x.clip(max=2)
x.clip(min=3)
np.array([1.25, 2.35]).round(1)
np.array([0.5, 1.5, 2.5]).round()
x.cumsum()
x.cumsum(axis=0)
# sort() returns a sorted copy here (arrays are immutable); numpy sorts in place and returns None
np.array([3, 1, 2]).sort()
np.array([[3, 1], [0, 2]]).sort(axis=0)
np.array([3, 1, 2]).argsort()
x.dot(x.T)
np.array([1, 2]).dot([3, 4])
np.array([0, 2, 0, 3]).nonzero()
