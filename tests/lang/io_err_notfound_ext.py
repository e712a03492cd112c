# files exist, but none with the extension
import thunder as td
td.images.fromrandom(shape=(2, 3, 4)).tobinary('b')
td.images.frompng('b')
