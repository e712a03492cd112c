# records that do not fill the shape asked for
import thunder as td
import numpy as np
td.series.fromarray(np.arange(12.0).reshape(3, 4)).tobinary('s')
td.series.frombinary('s', shape=(4, 4))
