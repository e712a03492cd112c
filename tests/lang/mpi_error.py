# Distributed mode only: a function that fails on a record held by the last
# rank fails the statement on every rank, with that rank's message, once.
import thunder as td
import numpy as np
data = td.images.fromarray(np.arange(24).reshape(6, 2, 2))
ok = data.map(lambda im: im + 1)
ok.count()
bad = data.map(lambda im: im if im[0, 0] < 20 else im.no_such_attribute)
