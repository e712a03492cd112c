# linspace refuses a negative number of samples
import numpy as np
np.linspace(0, 1, 0)
np.linspace(0, 1, -1)
