#!/usr/bin/env python3
"""Print tensors of a safetensors file, using only json, struct and numpy.

usage: read_safetensors.py FILE [TENSOR...]

For each named tensor (default: all, sorted by name): one line of JSON
{"metadata": {...}, "name": ..., "dtype": ..., "shape": [...]}, then one element per line in
row-major order, as repr(float(x)). The checkpoints package's tests run this on
testdata/golden.safetensors and compare with the Go reader.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.dtype("<f4")}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    buf = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        dtype = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(buf[begin:end], dtype=dtype).reshape(info["shape"])
    return tensors, metadata


def main():
    tensors, metadata = read_safetensors(sys.argv[1])
    for name in sys.argv[2:] or sorted(tensors):
        t = tensors[name]
        print(json.dumps({"metadata": metadata, "name": name, "dtype": str(t.dtype),
                          "shape": list(t.shape)}, sort_keys=True))
        for x in t.reshape(-1):
            print(repr(float(x)))


if __name__ == "__main__":
    main()
