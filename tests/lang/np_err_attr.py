# misspelt np names are refused with a suggestion
import numpy as np
np.mean([1, 2])
np.meen([1, 2])
