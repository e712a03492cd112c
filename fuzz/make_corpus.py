#!/usr/bin/python3
"""Writes the seed corpora of the file-format fuzz targets (fuzz/corpus/NAME):
small files covering each reader's main paths. Needs numpy, scipy and PIL
(Debian: python3-numpy python3-scipy python3-pil); run from anywhere. The
language seeds (corpus/lang) are short scripts kept by hand."""
import io, json, os, struct, zlib

import numpy as np
import scipy.io
import scipy.sparse
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_bytes(a, version=None):
    b = io.BytesIO()
    if version:
        np.lib.format.write_array(b, a, version=version)
    else:
        np.save(b, a)
    return b.getvalue()


# --- npy --------------------------------------------------------------------
r = np.arange(12)
out("npy", "f8-2d", npy_bytes(r.reshape(3, 4).astype("<f8")))
out("npy", "i2-be", npy_bytes(r.astype(">i2")))
out("npy", "u1-3d", npy_bytes(r.reshape(2, 3, 2).astype("u1")))
out("npy", "bool", npy_bytes(np.array([True, False, True])))
out("npy", "f4-fortran", npy_bytes(np.asfortranarray(r.reshape(3, 4).astype("f4"))))
out("npy", "scalar", npy_bytes(np.array(2.5)))
out("npy", "empty", npy_bytes(np.zeros((0, 3), "i8")))
out("npy", "v2", npy_bytes(r.astype("u4"), version=(2, 0)))
out("npy", "v3", npy_bytes(r.astype("i4"), version=(3, 0)))
out("npy", "u8-be-fortran", npy_bytes(np.asfortranarray(r.reshape(2, 6).astype(">u8"))))

# --- tif (PIL writes baseline TIFF in several compressions) -----------------
def pil_tif(img, **kw):
    b = io.BytesIO()
    img.save(b, format="TIFF", **kw)
    return b.getvalue()

g8 = Image.fromarray((np.arange(48).reshape(6, 8) * 5).astype("u1"))
out("tif", "u8", pil_tif(g8))
out("tif", "u8-lzw", pil_tif(g8, compression="tiff_lzw"))
out("tif", "u8-deflate", pil_tif(g8, compression="tiff_adobe_deflate"))
out("tif", "u8-packbits", pil_tif(g8, compression="packbits"))
out("tif", "u16", pil_tif(Image.fromarray((np.arange(20).reshape(4, 5) * 1000).astype("<u2"))))
out("tif", "i32", pil_tif(Image.fromarray((np.arange(20).reshape(4, 5) - 7).astype("i4"))))
out("tif", "f32", pil_tif(Image.fromarray(np.linspace(-1, 1, 20).reshape(4, 5).astype("f4"))))
rgb = Image.fromarray((np.arange(4 * 5 * 3).reshape(4, 5, 3) * 4).astype("u1"), "RGB")
out("tif", "rgb", pil_tif(rgb))
pages = [Image.fromarray((np.arange(12).reshape(3, 4) + k).astype("u1")) for k in range(3)]
b = io.BytesIO()
pages[0].save(b, format="TIFF", save_all=True, append_images=pages[1:])
out("tif", "pages3", b.getvalue())

# --- png (a small encoder, for every colour type and bit depth) -------------
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(w, h, depth, ctype, rows, extra=b""):
    raw = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
            + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

out("png", "grey8", png(4, 3, 8, 0, [bytes([x * 20 + y for x in range(4)]) for y in range(3)]))
out("png", "grey1", png(8, 2, 1, 0, [b"\xa5", b"\x5a"]))
out("png", "grey4", png(4, 2, 4, 0, [b"\x12\x34", b"\xcd\xef"]))
out("png", "grey16", png(2, 2, 16, 0, [b"\x01\x00\xff\xff", b"\x00\x10\x80\x00"]))
out("png", "greyalpha", png(2, 2, 8, 4, [b"\x10\xff\x20\x80", b"\x30\x00\x40\x40"]))
out("png", "rgb8", png(2, 2, 8, 2, [bytes(range(6)), bytes(range(6, 12))]))
out("png", "rgba16", png(1, 2, 16, 6, [bytes(range(8)), bytes(range(8, 16))]))
out("png", "palette", png(4, 1, 2, 3, [b"\x1b"], chunk(b"PLTE", bytes(range(12)))))
out("png", "palette-trns", png(2, 1, 8, 3, [b"\x00\x01"], chunk(b"PLTE", bytes(range(6))) + chunk(b"tRNS", b"\x80")))
b = io.BytesIO()
Image.fromarray(np.arange(16).reshape(4, 4).astype("u1")).save(b, format="PNG", optimize=True)
out("png", "pil-grey", b.getvalue())

# --- binary: conf.json, a NUL byte, the data --------------------------------
def binseed(conf, data):
    return json.dumps(conf).encode() + b"\0" + data

out("binary", "i16", binseed({"shape": [2, 3], "dtype": "int16"}, np.arange(6, dtype="<i2").tobytes()))
out("binary", "f64-3d", binseed({"shape": [2, 2, 2], "dtype": "float64"}, np.arange(8.0).tobytes()))
out("binary", "dims-u8", binseed({"dims": [4, 2], "dtype": "uint8"}, bytes(range(8))))
out("binary", "extra-bytes", binseed({"shape": [2, 2], "dtype": "uint16"}, bytes(range(11))))
out("binary", "no-dtype", binseed({"shape": [3]}, bytes(6)))
out("binary", "conf-only", json.dumps({"shape": [2, 2], "dtype": "float32"}).encode())

# --- text --------------------------------------------------------------------
out("text", "grid", b"1 2 3\n4 5 6\n")
out("text", "floats", b"0.5 -1e3 nan inf\n-inf 2.25 1E-2 +3\n")
out("text", "ragged", b"1 2\n3\n")
out("text", "tabs", b"\t7\t8  9 \n10 11\t12\n")
out("text", "no-final-newline", b"1 2\n3 4")

# --- mat: version 5, plain and compressed -------------------------------------
for name, arr, comp in [("f8", np.arange(6.0).reshape(2, 3), False), ("i16-z", np.arange(4, dtype="i2"), True),
                        ("u8-3d", np.arange(8, dtype="u1").reshape(2, 2, 2), False)]:
    b = io.BytesIO()
    scipy.io.savemat(b, {"s": arr}, do_compression=comp)
    out("mat", name, b.getvalue())
b = io.BytesIO()
scipy.io.savemat(b, {"s": np.arange(3.0)}, format="4")
out("mat", "v4", b.getvalue())
b = io.BytesIO()
scipy.io.savemat(b, {"other": np.arange(3.0)})
out("mat", "no-s", b.getvalue())
# structs, cells, strings and sparse matrices before the signal, which matio
# reads past (compressed: the cells and fields it reads while it reads the headers)
cell = np.empty((1, 2), dtype=object)
cell[0, 0], cell[0, 1] = np.arange(3.0), "xy"
for name, comp in [("nested", False), ("nested-z", True)]:
    b = io.BytesIO()
    scipy.io.savemat(b, {"info": {"rate": 2.5, "label": "ab"}, "c": cell, "name": "t",
                         "sp": scipy.sparse.csc_matrix(np.eye(2)), "s": np.arange(4.0)}, do_compression=comp)
    out("mat", name, b.getvalue())
