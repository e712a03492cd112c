# Distributed mode only: tospark() and todistributed() share the records of
# local data across the ranks again; results match the local ones.
import thunder as td
import numpy as np
data = td.images.fromarray(np.arange(60).reshape(5, 3, 4))
loc = data.tolocal()
loc.mode
back = loc.tospark()
back.mode
back.count()
again = loc.todistributed()
again.mode
again.todistributed().mode
np.array_equal(again.toarray(), loc.toarray())
np.array_equal(again.max().toarray(), loc.max().toarray())
again.std().toarray()[0, 0]
