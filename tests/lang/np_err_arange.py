# arange with a zero step divides by zero, as numpy
import numpy as np
np.arange(0, 5, 2)
np.arange(0, 5, 0)
