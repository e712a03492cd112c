# the default projection axis needs volumes, as in Thunder
import thunder as td
import numpy as np

data = td.images.fromarray(np.arange(24).reshape(2, 3, 4))
print(data.max_projection(axis=1).shape)
data.max_projection()
