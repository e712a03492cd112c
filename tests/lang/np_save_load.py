# np.save / np.load round trips (save appends .npy when the name lacks it)
import numpy as np
x = np.arange(6, dtype=np.int16).reshape(2, 3)
np.save('/tmp/thunder-lang-np_save_load', x)
np.load('/tmp/thunder-lang-np_save_load.npy')
np.save('/tmp/thunder-lang-np_save_load.npy', np.array([1.5, np.nan]))
np.load('/tmp/thunder-lang-np_save_load.npy')
np.save('/tmp/thunder-lang-np_save_load.npy', 3)
y = np.load('/tmp/thunder-lang-np_save_load.npy')
y
y.dtype
y.shape
np.save('/tmp/thunder-lang-np_save_load.npy', [[True, False]])
np.load('/tmp/thunder-lang-np_save_load.npy')
np.save('/tmp/thunder-lang-np_save_load.npy', np.float32(2.5))
np.load('/tmp/thunder-lang-np_save_load.npy')
np.save('/tmp/thunder-lang-np_save_load.npy', np.zeros((0, 3), dtype=np.uint8))
np.load('/tmp/thunder-lang-np_save_load.npy')
