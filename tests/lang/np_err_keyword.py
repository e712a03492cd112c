# misspelt keywords are refused with a suggestion
import numpy as np
np.mean([1, 2], axis=0)
np.mean([1, 2], axes=0)
