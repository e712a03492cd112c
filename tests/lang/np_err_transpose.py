# transpose axes must be a permutation
import numpy as np
np.transpose(np.ones((2, 3)), (1, 0)).shape
np.transpose(np.ones((2, 3)), (0, 0))
