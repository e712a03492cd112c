# an axis beyond the array's dimensions is numpy's AxisError (a ValueError)
import numpy as np
x = np.ones((2, 3))
np.sum(x, axis=1)
np.sum(x, axis=2)
