#!/usr/bin/env python3
"""Write the .npy / .npz fixtures that tests/io/tst_npy.cpp reads, using NumPy itself.

    python3 tools/make_npy_fixtures.py [out_dir]      (default: tests/data/npy)

Every array is also listed in expected.json (file, dtype, shape, C-order values) so the test knows
what each file must read as. Floats are written as JSON numbers (float32/float16 values are widened
exactly to float64) except NaN and infinities, which are the strings "nan", "inf" and "-inf".
Integers are written as exact JSON integers.

The output is deterministic (no random numbers, fixed zip timestamps) so re-running the script
on the same NumPy version gives byte-identical files.
"""

import json
import math
import os
import sys
import warnings
import zipfile

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "npy")
os.makedirs(OUT, exist_ok=True)

expected = {"numpy_version": np.__version__, "arrays": [], "archives": []}

NAMES = {
    "b": "bool", "i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16", "i4": "int32", "u4": "uint32",
    "i8": "int64", "u8": "uint64", "f2": "float16", "f4": "float32", "f8": "float64",
}


def dtype_name(a):
    if a.dtype.kind == "b":
        return "bool"
    return NAMES[a.dtype.kind + str(a.dtype.itemsize)]


def json_values(a):
    out = []
    for v in np.ascontiguousarray(a).reshape(-1).tolist():  # C order, Python scalars
        if isinstance(v, bool):
            out.append(1 if v else 0)
        elif isinstance(v, int):
            out.append(v)
        elif math.isnan(v):
            out.append("nan")
        elif math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(v)
    return out


def describe(a):
    return {"dtype": dtype_name(a), "shape": list(a.shape), "values": json_values(a)}


def save(name, a, version=None, **meta):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=False)
    # Check what NumPy wrote: the version, the order and the byte order we meant to test.
    with open(path, "rb") as f:
        major, minor = np.lib.format.read_magic(f)
        if version is not None:
            assert (major, minor) == version, (name, major, minor)
    back = np.load(path)
    assert back.dtype == a.dtype and back.shape == a.shape
    assert np.array_equal(back, a, equal_nan=(a.dtype.kind == "f")), name
    entry = {"file": name, "version": [major, minor], "fortran_order": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
             "big_endian": a.dtype.byteorder == ">"}
    entry.update(describe(a))
    entry.update(meta)
    expected["arrays"].append(entry)


# ---- every dtype, little- and big-endian ---------------------------------------------------------
values = {
    "i1": [-128, -1, 0, 1, 100, 127],
    "u1": [0, 1, 2, 128, 254, 255],
    "i2": [-32768, -1, 0, 1, 300, 32767],
    "u2": [0, 1, 256, 1000, 65534, 65535],
    "i4": [-2**31, -1, 0, 1, 70000, 2**31 - 1],
    "u4": [0, 1, 65536, 3000000000, 2**32 - 2, 2**32 - 1],
    "i8": [-2**63, -1, 0, 1, 2**40 + 1, 2**63 - 1],
    "u8": [0, 1, 2**32, 2**53 + 1, 2**64 - 2, 2**64 - 1],
}
inf, nan = float("inf"), float("nan")
float_values = {
    # 6.103515625e-05 is the smallest normal half, 5.96e-08 the smallest subnormal, 3.05e-05 = 2**-15 a subnormal.
    "f2": [0.0, -0.0, 1.0, -2.5, 65504.0, -65504.0, 6.103515625e-05, 5.960464477539063e-08, 3.0517578125e-05,
           -1.2e-06, inf, -inf, nan, 0.1, 1000.5, -0.33325195],
    "f4": [0.0, -0.0, 1.5, -3.25, 3.4028234663852886e38, -1.1754943508222875e-38, 1.401298464324817e-45, 1e-40,
           inf, -inf, nan, 0.1, 16777217.0, -7.0e-3, 123456.789, 2.0],
    "f8": [0.0, -0.0, 1.5, -3.25, 1.7976931348623157e308, -2.2250738585072014e-308, 5e-324, 1e-310,
           inf, -inf, nan, 0.1, 9007199254740993.0, -7.0e-3, 123456.789, 2.0],
}

save("bool.npy", np.array([[True, False, True], [False, False, True]], dtype=np.bool_))
for code, vals in values.items():
    a = np.array(vals, dtype="<" + code).reshape(2, 3)
    save(f"{code}_le.npy", a)
    if a.dtype.itemsize > 1:
        save(f"{code}_be.npy", a.astype(">" + code))
for code, vals in float_values.items():
    a = np.array(vals, dtype="<" + code).reshape(4, 4)
    save(f"{code}_le.npy", a)
    save(f"{code}_be.npy", a.astype(">" + code))

# A NaN with a payload and a negative NaN in half precision (raw bit patterns).
save("f2_bits.npy", np.array([0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x0001, 0x03FF, 0x0400, 0x3C00, 0x8001],
                             dtype="<u2").view("<f2"))

# ---- Fortran order --------------------------------------------------------------------------------
cube = np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.5 - 3.0
save("f4_fortran.npy", np.asfortranarray(cube.astype("<f4")))
save("f8_fortran_be.npy", np.asfortranarray(cube.astype(">f8")))
save("i2_fortran.npy", np.asfortranarray((np.arange(24).reshape(2, 3, 4) - 12).astype("<i2")))
save("u1_fortran_2d.npy", np.asfortranarray(np.arange(15, dtype=np.uint8).reshape(3, 5)))
save("bool_fortran.npy", np.asfortranarray(np.arange(24).reshape(4, 6) % 3 == 0))
save("f2_fortran_4d.npy", np.asfortranarray((np.arange(2 * 3 * 2 * 5).reshape(2, 3, 2, 5) * 0.25).astype("<f2")))

# ---- format versions -------------------------------------------------------------------------------
grid = (np.arange(12, dtype=np.float32).reshape(3, 4) / 8.0 - 0.5).astype("<f4")
save("f4_v1.npy", grid, version=(1, 0))
save("f4_v2.npy", grid, version=(2, 0))
save("f4_v3.npy", grid, version=(3, 0))
save("f8_be_v2.npy", grid.astype(">f8"), version=(2, 0))

# ---- scalars and empty arrays ----------------------------------------------------------------------
save("scalar_f4.npy", np.array(3.5, dtype="<f4"))
save("scalar_f8_be.npy", np.array(-0.125, dtype=">f8"))
save("scalar_i8.npy", np.array(-42, dtype="<i8"))
save("scalar_bool.npy", np.array(True))
save("empty_f4.npy", np.zeros((0,), dtype="<f4"))
save("empty_3d_f8.npy", np.zeros((3, 0, 2), dtype="<f8"))
save("empty_bool.npy", np.zeros((0, 4), dtype=np.bool_))
save("vector_f4.npy", np.array([1.0, -2.0, 3.0, -4.0, 5.0], dtype="<f4"))

# ---- masks ------------------------------------------------------------------------------------------
save("mask_i4.npy", np.array([[1, 0, 1, 1], [0, 0, 1, 0]], dtype="<i4"))
save("mask_u1.npy", np.array([1, 1, 0, 1, 0], dtype="<u1"))
save("mask_bad_i8.npy", np.array([[0, 1, 1], [1, 2, 0]], dtype="<i8"))

# ---- archives -------------------------------------------------------------------------------------
members = {
    "kernel": (np.arange(15, dtype=np.float32).reshape(5, 3) * 0.25 - 1.0),
    "bias": np.array([0.5, -0.5, 1.0], dtype=np.float64),
    "mask": np.array([[True, False], [True, True]]),
    "scalar": np.array(7, dtype=np.int32),
    "empty": np.zeros((2, 0), dtype=np.float32),
    "big_endian": np.array([1.25, -2.5], dtype=">f4"),
    "fortran": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
}


def fix_timestamps(path):
    """Rewrite the archive with a fixed date so the fixture is reproducible."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in items:
            info.date_time = (2024, 1, 1, 0, 0, 0)
            z.writestr(info, data)


def archive(name, compressed):
    path = os.path.join(OUT, name)
    (np.savez_compressed if compressed else np.savez)(path, **members)
    fix_timestamps(path)
    with zipfile.ZipFile(path) as z:
        methods = {i.compress_type for i in z.infolist()}
        assert methods == {zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED}, methods
    back = np.load(path)
    for k, v in members.items():
        assert np.array_equal(back[k], v)
    expected["archives"].append({"file": name, "compressed": compressed,
                                 "members": [dict(name=k, **describe(v)) for k, v in members.items()]})


archive("stored.npz", compressed=False)
archive("compressed.npz", compressed=True)


def npy_bytes(a):
    import io
    b = io.BytesIO()
    np.lib.format.write_array(b, a)
    return b.getvalue()


# An archive with members that are not arrays (they are skipped) and a folder.
path = os.path.join(OUT, "mixed.npz")
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("README.txt", (2024, 1, 1, 0, 0, 0)), b"not an array\n")
    z.writestr(zipfile.ZipInfo("sub/", (2024, 1, 1, 0, 0, 0)), b"")
    z.writestr(zipfile.ZipInfo("x.npy", (2024, 1, 1, 0, 0, 0)), npy_bytes(np.array([1.0, 2.0], dtype="<f4")))
    z.writestr(zipfile.ZipInfo("sub/y.npy", (2024, 1, 1, 0, 0, 0)), npy_bytes(np.array([3], dtype="<i8")))
expected["archives"].append({"file": "mixed.npz", "compressed": False, "members": [
    {"name": "x", "dtype": "float32", "shape": [2], "values": [1.0, 2.0]},
    {"name": "sub/y", "dtype": "int64", "shape": [1], "values": [3]},
]})

# An archive holding the same member name twice (Python's zipfile allows it, with a warning).
path = os.path.join(OUT, "duplicate.npz")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(zipfile.ZipInfo("a.npy", (2024, 1, 1, 0, 0, 0)), npy_bytes(np.array([1.0], dtype="<f4")))
        z.writestr(zipfile.ZipInfo("a.npy", (2024, 1, 1, 0, 0, 0)), npy_bytes(np.array([2.0], dtype="<f4")))

# Dtypes NumPy can save but GruScope refuses.
np.save(os.path.join(OUT, "complex64.npy"), np.array([1 + 2j], dtype="<c8"))
np.save(os.path.join(OUT, "unicode.npy"), np.array(["ab", "c"]))
np.save(os.path.join(OUT, "structured.npy"), np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
np.save(os.path.join(OUT, "object.npy"), np.array([1, "a", None], dtype=object), allow_pickle=True)
np.save(os.path.join(OUT, "float128.npy"), np.zeros(2, dtype=np.longdouble))

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, allow_nan=False)
    f.write("\n")

total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}")
