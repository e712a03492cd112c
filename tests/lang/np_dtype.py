# dtype names, np.dtype, calling a dtype, astype, constants
import numpy as np
np.dtype('int16')
np.dtype(float)
np.dtype(np.uint8)
np.dtype('f4')
str(np.dtype('int16'))
np.dtype('float64') == np.float64
np.zeros(2, dtype=np.bool_).dtype
np.zeros(2, dtype=np.int8).dtype
np.zeros(2, dtype=np.uint16).dtype
np.zeros(2, dtype=np.int32).dtype
np.zeros(2, dtype=np.uint32).dtype
np.zeros(2, dtype=np.int64).dtype
np.zeros(2, dtype=np.uint64).dtype
np.zeros(2, dtype=np.float32).dtype
np.zeros(2, dtype=np.float_).dtype
np.zeros(2, dtype=np.int_).dtype
np.zeros(2, dtype=np.double).dtype
np.zeros(2, dtype=np.single).dtype
np.float64(3)
np.float32(0.1)
np.int16(7) + 1
np.int16(3.9)
np.uint8(300)
np.float64(3).dtype
np.int16([1.5, 2.5, -3.5])
np.float32(np.arange(3))
np.arange(4).astype(np.float32)
np.array([1.7, -1.7, 300.0]).astype(np.uint8)
np.array([1.5, 0.0]).astype(bool)
np.array([1, 2]).astype('int8').dtype
np.pi
np.e
np.inf
-np.inf
np.nan
np.newaxis is None
np.euler_gamma
