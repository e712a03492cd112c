# no conf file and no dtype
import thunder as td
import numpy as np
td.series.fromarray(np.arange(12.0).reshape(3, 4)).tobinary('s')
td.series.frombinary('s', conf='none.json', shape=(3, 4))
