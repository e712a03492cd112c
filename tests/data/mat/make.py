#!/usr/bin/python3
"""Writes the MATLAB files of tests/unit/test_serops.c's signal tests; run
from this directory with /usr/bin/python3 (numpy, scipy).

signal-z.mat and signal-plain.mat (scipy's savemat) hold the same
variables, compressed and not: before the signal 's' and the int16 'k' come
a struct, a cell array (one small cell, one of more than 32 KiB, which
matio leaves compressed), a string, a sparse matrix and a logical vector,
which matio reads past, and a struct follows them.

The others are written by hand: packed*.mat store 's' as MATLAB does when
double values fit in bytes (uint8 data in a double array; packed-be.mat
big-endian), and the rest are damaged files whose headers claim more than
they hold, and a function handle."""
import struct
import zlib

import numpy as np
import scipy.io
import scipy.sparse

cells = np.empty((1, 2), dtype=object)
cells[0, 0] = np.arange(3.0)
cells[0, 1] = np.arange(4200.0)
for name, comp in (("signal-z.mat", True), ("signal-plain.mat", False)):
    scipy.io.savemat(name, {
        "info": {"rate": 2.5, "label": "abc"},
        "c": cells,
        "name": "thunder",
        "sp": scipy.sparse.csc_matrix(np.eye(3)),
        "mask": np.array([True, False, True]),
        "s": np.array([[0, 1, 0, 2, 1, 3.0]]),
        "k": np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16),
        "after": {"x": np.arange(4.0)},
    }, do_compression=comp, oned_as="row")


def tag(t, n):
    return struct.pack("<II", t, n)


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


def header():
    return b"MATLAB 5.0 MAT-file, written for thunder's tests".ljust(116) + b"\0" * 8 + b"\x00\x01IM"


def head(cls, dims, name):
    d = struct.pack("<%di" % len(dims), *dims)
    return tag(6, 8) + struct.pack("<II", cls, 0) + tag(5, len(d)) + pad8(d) + tag(1, len(name)) + pad8(name)


def matrix(body):
    return tag(14, len(body)) + body


def compressed(m):
    z = zlib.compress(m)
    return tag(15, len(z)) + z


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


DOUBLE, FUNCTION = 6, 16
vals = struct.pack("<6d", 0, 1, 0, 2, 1, 3)
packed = matrix(head(DOUBLE, [1, 6], b"s") + tag(2, 6) + pad8(bytes([0, 1, 0, 2, 1, 3])))
write("packed.mat", header() + packed)
write("packed-z.mat", header() + compressed(packed))
# the same big-endian, with the name in its tag
be = (struct.pack(">IIII", 6, 8, DOUBLE, 0) + struct.pack(">IIii", 5, 8, 1, 6) + struct.pack(">I", 1 << 16 | 1)
      + b"s\0\0\0" + struct.pack(">II", 2, 6) + pad8(bytes([0, 1, 0, 2, 1, 3])))
write("packed-be.mat", header()[:124] + b"\x01\x00MI" + struct.pack(">II", 14, len(be)) + be)
# dimensions claiming 10^10 values where the data holds 6
write("z-claims-1e10-values.mat",
      header() + compressed(matrix(head(DOUBLE, [100000, 100000], b"s") + tag(9, 48) + vals)))
# a matrix claiming 4 GB once inflated from some 50 compressed bytes
body = head(DOUBLE, [1, 6], b"s") + tag(9, 48) + vals
write("z-claims-4G-inflated.mat", header() + compressed(tag(14, 0xfffffff0) + body))
# a data element claiming 2 GB in a matrix of 96 bytes
write("z-data-claims-2G.mat",
      header() + compressed(matrix(head(DOUBLE, [1, 6], b"s") + tag(9, 0x80000000) + vals)))
# a cell array of a million cells, none of them there
write("z-million-cells.mat", header() + compressed(matrix(head(1, [1, 1000000], b"c")))
      + compressed(matrix(body)))
# a function handle holding a 1 x 1 double, before the signal
write("function-handle.mat", header()
      + matrix(head(FUNCTION, [1, 1], b"f") + matrix(head(DOUBLE, [1, 1], b"") + tag(9, 8) + vals[8:16]))
      + matrix(body))
