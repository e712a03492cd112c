# np.percentile: scalar or list q, axis, keepdims, dtypes
import numpy as np
x = np.arange(40).reshape(4, 10) ** 2
np.percentile(x, 35)
np.percentile(x, 35, axis=1)
np.percentile(x, [10, 50, 90])
np.percentile(x, [10, 90], axis=1)
np.percentile(x, (0, 100), axis=0)
np.percentile(x, 50, axis=1, keepdims=True)
np.percentile(x, [25, 75], axis=0, keepdims=True).shape
np.percentile(x, 50, axis=(0, 1))
np.percentile([1, 2, 3, 4], 50)
np.percentile(np.array([3.0, 1.0, 2.0]), 100)
np.percentile(np.arange(10, dtype=np.float32), 33)
np.percentile(np.array([1, 2], dtype=np.uint8), 50).dtype
np.percentile([1.0, 2.0, np.nan], 50)
np.percentile(np.arange(12).reshape(3, 4), np.array([[25, 50], [75, 100]]), axis=1).shape
