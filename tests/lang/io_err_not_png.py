# a file that is not a PNG, named in the error
import thunder as td
td.images.fromrandom(shape=(2, 3, 4)).totif('t')
td.images.frompng('t/image-00001.tif')
