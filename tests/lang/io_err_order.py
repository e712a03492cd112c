# order is C, F or A
import thunder as td
td.images.fromrandom(shape=(2, 3, 4)).tobinary('b')
td.images.frombinary('b', order='K')
