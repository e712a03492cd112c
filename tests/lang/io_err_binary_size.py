# files too short for the shape and dtype asked for
import thunder as td
td.images.fromrandom(shape=(2, 3, 4)).tobinary('b')
td.images.frombinary('b', shape=(4, 4), dtype='float64', conf='none.json')
