# randint needs low < high
import numpy as np
np.random.seed(0)
np.random.randint(4, 5)
np.random.randint(5, 5)
