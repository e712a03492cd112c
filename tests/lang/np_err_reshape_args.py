# ndarray.reshape needs a shape
import numpy as np
np.arange(4).reshape(2, 2)
np.arange(4).reshape()
