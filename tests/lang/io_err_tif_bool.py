# tifffile refuses bool images, as does totif
import thunder as td
import numpy as np
td.images.fromarray(np.zeros((2, 3, 3), dtype=bool)).totif('t')
