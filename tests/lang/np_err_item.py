# item() without an index needs a one-element array
import numpy as np
np.ones(1).item()
np.ones(3).item()
