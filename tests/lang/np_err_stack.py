# stack needs arrays of one shape
import numpy as np
np.stack([np.ones(2), np.ones(2)]).shape
np.stack([np.ones(3), np.ones(2)])
