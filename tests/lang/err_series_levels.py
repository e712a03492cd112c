import thunder as td
import numpy as np
d = td.series.fromarray(np.arange(20).reshape(2, 10))
d.select_by_index([1, 2], level=[0, 1])
