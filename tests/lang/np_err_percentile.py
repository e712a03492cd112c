# percentiles must lie in [0, 100]
import numpy as np
np.percentile([1, 2], 100)
np.percentile([1, 2], [50, 101])
