// Package checkpoints is mathzero's checkpoint format: named float32 tensors stored as Hugging Face
// safetensors, plus opaque JSON, written atomically and loaded defensively. It knows nothing of the
// model or the trainer.
//
// # Run directory
//
//	run/
//	  config.json          written by the trainer
//	  metrics.jsonl        written by the trainer
//	  step-000100/         a complete checkpoint
//	  step-000120/
//	  latest               "step-000120\n": the checkpoint the last Save wrote
//	  .tmp-*               leftovers of a killed Save or Prune: ignored, removed by the next Save
//
// A checkpoint directory step-%06d holds three files:
//
//	model.safetensors      the policy weights, F32; metadata {"format_version": "1", "step": "120"}
//	optimizer.safetensors  optimizer state tensors named by the trainer (e.g. "adam.m/<param>",
//	                       "adam.v/<param>"), possibly none; same metadata
//	state.json             {"format_version": 1, "step": 120, "config": <trainer's config>,
//	                        "rng": <RNG states>, "extra": <anything else, or null>}
//
// A step-N directory exists only once complete: Save builds it under a temporary name, fsyncs every
// file and the directory, then renames it into place, and only then replaces latest (temporary file,
// fsync, rename, fsync of the run directory). A crash at any moment leaves the previous checkpoint
// and latest loadable. The format version lives in three places so that a file separated from its
// directory still says what it is.
//
// # Safetensors
//
// A safetensors file is
//
//	8 bytes   N, little-endian uint64
//	N bytes   UTF-8 JSON header, padded with spaces to a multiple of 8 bytes:
//	          {"__metadata__": {"k": "v", ...},
//	           "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//	rest      the data buffer: each tensor's elements, little-endian, row-major, at
//	          [begin, end) relative to the start of the buffer
//
// This package writes tensors sorted by name, back to back, so equal inputs give equal files, and
// reads only F32 (other dtypes are rejected by name; adding BF16 or F8_E4M3 is one table entry).
//
// The files need nothing from this package to read. In Python, with json, struct and numpy only
// (testdata/read_safetensors.py is a runnable version that the tests check against this package):
//
//	import json, struct
//	import numpy as np
//
//	def read_safetensors(path):
//	    with open(path, "rb") as f:
//	        data = f.read()
//	    (n,) = struct.unpack("<Q", data[:8])
//	    header = json.loads(data[8:8 + n])
//	    metadata = header.pop("__metadata__", {})
//	    buf = memoryview(data)[8 + n:]
//	    tensors = {}
//	    for name, info in header.items():
//	        assert info["dtype"] == "F32", info["dtype"]
//	        begin, end = info["data_offsets"]
//	        tensors[name] = np.frombuffer(buf[begin:end], dtype="<f4").reshape(info["shape"])
//	    return tensors, metadata
//
//	weights, meta = read_safetensors("run/step-000120/model.safetensors")
//
// The layout is the Hugging Face one, so its safetensors library should load these files too
// (not tested here: the library is not installed on the project's machines).
package checkpoints
