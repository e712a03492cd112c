# discard_extra drops pages nplanes leaves over, with a warning; without it they are an error
import thunder as td
import numpy as np
td.images.fromarray(np.zeros((2, 3, 4, 5), dtype='uint8')).totif('t')
td.images.fromtif('t', nplanes=2, discard_extra=True).shape
td.images.fromtif('t', nplanes=2)
