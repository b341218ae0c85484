#!/usr/bin/env python3
"""Print tensors of a safetensors file, using only json, struct and numpy.

usage: read_safetensors.py FILE [TENSOR...]

For each named tensor (default: all, sorted by name): one line of JSON
{"metadata": {...}, "name": ..., "dtype": ..., "stored": ..., "shape": [...]}, then one element
per line in row-major order, as repr(float(x)). "stored" is the dtype in the file (F32 or
F8_E4M3), "dtype" that of the decoded numpy array (float32 for both). F8_E4M3 codes are decoded
by the OCP FP8 formula (numpy has no float8 type); they are not multiplied by their
<name>_scale_inv, which is printed as a tensor of its own. The checkpoints package's tests run
this on testdata/golden.safetensors and testdata/golden_fp8.safetensors and compare with the Go
reader.
"""
import json
import struct
import sys

import numpy as np


def decode_f8_e4m3(raw):
    """OCP FP8 E4M3 bytes S.EEEE.MMM to float32: (-1)^S * 2^(E-7) * (1 + M/8) for E > 0,
    (-1)^S * 2^-6 * M/8 for E = 0, NaN for S.1111.111 (no infinities)."""
    b = np.frombuffer(raw, dtype=np.uint8).astype(np.int64)
    sign = np.where(b >= 128, -1.0, 1.0)
    e = (b >> 3) & 15
    m = (b & 7).astype(np.float64)
    mag = np.where(e == 0, 2.0 ** -6 * (m / 8), np.exp2(e - 7.0) * (1 + m / 8))
    mag = np.where((e == 15) & (m == 7), np.nan, mag)
    return (sign * mag).astype("<f4")


DECODERS = {
    "F32": lambda raw: np.frombuffer(raw, dtype="<f4"),
    "F8_E4M3": decode_f8_e4m3,
}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    buf = memoryview(data)[8 + n:]
    tensors, stored = {}, {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = DECODERS[info["dtype"]](buf[begin:end]).reshape(info["shape"])
        stored[name] = info["dtype"]
    return tensors, stored, metadata


def main():
    tensors, stored, metadata = read_safetensors(sys.argv[1])
    for name in sys.argv[2:] or sorted(tensors):
        t = tensors[name]
        print(json.dumps({"metadata": metadata, "name": name, "dtype": str(t.dtype),
                          "stored": stored[name], "shape": list(t.shape)}, sort_keys=True))
        for x in t.reshape(-1):
            print(repr(float(x)))


if __name__ == "__main__":
    main()
