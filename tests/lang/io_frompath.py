# frompath: the accessor gets (index, bytes, filename) for every selected
# file and returns (key, image) pairs; the bytes index to ints as Python's do.
import thunder as td
import numpy as np
v = (np.arange(4 * 2 * 3) * 10).reshape(4, 2, 3).astype('uint16')
td.images.fromarray(v).tobinary('raw')
peek = lambda t: [(t[0], np.array([[t[0], len(t[1])], [t[1][0], t[1][2]]]))]
d = td.images.frompath('raw', accessor=peek, ext='bin')
d.shape
d.values
d.dtype
# low byte + 256 * high byte rebuilds the first value of each file
first = lambda t: [(t[0], np.array([[t[1][0] + 256 * t[1][1]]]))]
td.images.frompath('raw', accessor=first, ext='bin', start=1, stop=3).values
# several images per file, and the file names
two = lambda t: [(0, np.zeros((2, 2)) + t[0]), (1, np.ones((2, 2)) * len(t[2]))]
td.images.frompath('raw', accessor=two, ext='bin', stop=2).values[:, 0, 0]
# no ext: every file, conf.json and SUCCESS included
size = lambda t: [(t[0], np.array([[len(t[1])]]))]
td.images.frompath('raw', accessor=size).values[:, 0, 0]
td.images.frompath('raw', accessor=size, labels=[1, 2, 3, 4, 5, 6]).labels
