# nplanes must be positive when given
import thunder as td
td.images.fromrandom(shape=(2, 3, 4)).tobinary('b')
td.images.frombinary('b', nplanes=-1)
