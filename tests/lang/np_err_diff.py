# diff needs at least one dimension
import numpy as np
np.diff([1, 3])
np.diff(np.array(3))
