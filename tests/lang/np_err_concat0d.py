# 0-d arrays cannot be concatenated
import numpy as np
np.concatenate([[1], [2]])
np.concatenate([np.array(1), np.array(2)])
