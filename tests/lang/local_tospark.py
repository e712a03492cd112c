# One process: tospark() explains what distributed mode needs.
import thunder as td
import numpy as np
data = td.images.fromarray(np.zeros((2, 3, 4)))
data.tospark()
