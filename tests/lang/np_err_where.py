# where broadcasts condition, x and y together
import numpy as np
np.where([True, False], 1, 0)
np.where(np.ones(3) > 0, np.ones(2), 0)
