# a file that is not a TIFF, named in the error
import thunder as td
td.images.fromrandom(shape=(2, 3, 4)).tobinary('b')
td.images.fromtif('b/SUCCESS')
