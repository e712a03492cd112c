import thunder as td
import numpy as np
d = td.series.fromarray(np.arange(8).reshape(2, 4), index=["a", "b", "c", "d"])
d.between(1, 3)
