# dot of misaligned shapes names both shapes and the mismatching axes
import numpy as np
np.dot(np.ones((2, 3)), np.ones(3))
np.dot(np.ones((2, 3)), np.ones((2, 3)))
