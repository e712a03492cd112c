# nplanes must be positive when given
import thunder as td
td.images.fromarray(td.images.fromrandom(shape=(2, 3, 4)).values).totif('t')
td.images.fromtif('t', nplanes=1).count()
td.images.fromtif('t', nplanes=0)
