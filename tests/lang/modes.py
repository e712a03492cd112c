# Where the data live: data.mode, and tolocal(). Under mpirun the records
# are shared across ranks (modes.mpi.out); tolocal() brings them all into
# each process; values are the same either way.
import thunder as td
import numpy as np
data = td.images.fromarray(np.arange(60).reshape(5, 3, 4))
data.mode
loc = data.tolocal()
loc.mode
loc.shape
np.array_equal(loc.toarray(), data.toarray())
loc.map(lambda x: x + 1).mode
s = data.toseries()
s.mode
s.tolocal().mode
s.tolocal().shape
