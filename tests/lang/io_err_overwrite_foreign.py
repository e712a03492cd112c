# nor a directory that does not look like an earlier output
import thunder as td
import numpy as np
np.save('d.npy', np.zeros(3))
td.images.fromrandom().tobinary('x')
np.save('x/notes.npy', np.zeros(3))
td.images.fromrandom().tobinary('x', overwrite=True)
