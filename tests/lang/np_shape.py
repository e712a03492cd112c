# reshape, ravel, transpose, squeeze, expand_dims, joining arrays
import numpy as np
x = np.arange(6)
np.reshape(x, (2, 3))
np.reshape(x, (3, -1))
np.reshape(x, 6)
np.reshape(np.array([7]), ())
np.ravel(np.ones((2, 2)))
np.ravel(5)
y = np.arange(24).reshape(2, 3, 4)
np.transpose(np.arange(6).reshape(2, 3))
np.transpose(y).shape
np.transpose(y, (1, 0, 2)).shape
np.transpose(y, [2, 0, 1])[1]
np.transpose(y, (-1, 0, 1)).shape
np.squeeze(np.ones((1, 3, 1)))
np.squeeze(np.ones((1, 3, 1)), axis=0).shape
np.squeeze(np.ones((1, 3, 1)), axis=(0, 2)).shape
np.squeeze(np.array([5]))
np.expand_dims(x, 0).shape
np.expand_dims(x, -1).shape
np.expand_dims(x, (0, 2)).shape
np.expand_dims(np.ones((2, 3)), 1).shape
np.shape(y)
np.shape([[1, 2]])
np.ndim(y)
np.ndim(3)
np.size(y)
a = np.array([[1, 2], [3, 4]])
b = np.array([[5, 6]])
np.concatenate([a, b])
np.concatenate((a, b.T), axis=1)
np.concatenate([a, b], axis=None)
np.concatenate([[1, 2], [3]])
np.concatenate([np.arange(2), np.array([0.5])])
np.concatenate([np.array([1], dtype=np.uint8), np.array([-1], dtype=np.int8)])
np.concatenate([a, a], axis=-1)
np.concatenate(a)
np.stack([np.arange(3), np.arange(3, 6)])
np.stack([np.arange(3), np.arange(3, 6)], axis=1)
np.stack([a, a], axis=-1).shape
np.stack([1, 2])
np.vstack([np.arange(3), np.arange(3)])
np.vstack([a, b])
np.vstack([1, 2])
np.hstack([np.arange(2), np.arange(3)])
np.hstack([a, a])
np.hstack([1, 2])
