# Regenerates the .npy test files used by tests/unit/test_npy.c.
# Run with a Python that has numpy (1.24 wrote the committed files):
#     cd tests/data/npy && /usr/bin/python3 make_files.py
# The tests do not run this; they read the committed files.
import struct

import numpy as np
from numpy.lib import format as fmt


def write_version(name, arr, version):
    with open(name, "wb") as f:
        fmt.write_array(f, arr, version=version)


def raw(name, header, data=b"", version=(1, 0)):
    """A file with a hand-written header dict (padded as numpy pads it)."""
    h = header.encode("latin1")
    lenfmt = "<H" if version == (1, 0) else "<I"
    pre = 6 + 2 + struct.calcsize(lenfmt)
    pad = 64 - (pre + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    with open(name, "wb") as f:
        f.write(b"\x93NUMPY" + bytes(version) + struct.pack(lenfmt, len(h)) + h + data)


# Files numpy wrote, loaded by the tests.
np.save("be_i2.npy", np.array([1, -2, 300, -32768, 32767, 0], dtype=">i2"))
np.save("fortran_f8.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3) * 1.5 + 0.25))
np.save("fortran_be_i4_3d.npy", np.asfortranarray((np.arange(24).reshape(2, 3, 4) - 5).astype(">i4")))
write_version("v2_i4.npy", np.array([-2, -1, 0, 1, 2], dtype="<i4"), (2, 0))
write_version("v3_u2.npy", np.array([[0, 1], [65535, 4660]], dtype="<u2"), (3, 0))
np.save("bool.npy", np.array([True, False, True, True, False]))
np.save("f4_0d.npy", np.float32(-2.5))
np.save("u8_empty.npy", np.zeros((0, 3), dtype=np.uint64))
np.save("be_f8.npy", np.array([0.1, -1e300, 2.0 ** -1074], dtype=">f8"))
# np.save output that npy_save must reproduce byte for byte.
np.save("saved_f8_2x3.npy", np.arange(6.0).reshape(2, 3) / 4)
np.save("saved_u1_0d.npy", np.uint8(7))
np.save("saved_b1_0x4.npy", np.zeros((0, 4), dtype=bool))
np.save("saved_i8_long.npy", np.arange(3, dtype=np.int64).reshape(3, 1, 1, 1, 1, 1, 1, 1))

# dtypes thunder refuses, as numpy writes them.
np.save("object.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
np.save("structured.npy", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]))
np.save("unicode.npy", np.array(["ab", "c"]))
np.save("complex.npy", np.array([1 + 2j], dtype=np.complex64))
np.save("float16.npy", np.array([1.5], dtype=np.float16))
np.save("datetime.npy", np.array(["2020-01-01"], dtype="datetime64[D]"))

# Malformed files.
good = open("be_i2.npy", "rb").read()
open("short_preamble.npy", "wb").write(good[:9])
open("trunc_header.npy", "wb").write(good[:40])
open("bad_magic.npy", "wb").write(b"\x93NUMPZ" + good[6:])
open("bad_version.npy", "wb").write(good[:6] + b"\x04\x00" + good[8:])
open("hlen_past_eof.npy", "wb").write(good[:8] + struct.pack("<H", 4000) + good[10:])
raw("bad_dict.npy", "{'descr': '<f8' 'fortran_order': False, 'shape': (1,), }", b"\0" * 8)
raw("neg_shape.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }")
raw("huge_dim.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }")
raw("overflow_shape.npy",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }")
raw("data_short.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }", b"\0" * 16)
raw("data_long.npy", "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }",
    struct.pack("<hh", 7, -7) + b"trailing bytes np.load ignores")
raw("missing_key.npy", "{'descr': '<f8', 'shape': (1,), }", b"\0" * 8)
raw("fortran_not_bool.npy", "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", b"\0" * 8)
