// Package checkpoints is mathzero's checkpoint format: named float32 tensors (or their FP8 form)
// stored as Hugging Face safetensors, plus opaque JSON, written atomically and loaded defensively.
// It knows nothing of the model or the trainer.
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
//	model.safetensors      the policy weights, F32 (or FP8 form, below); metadata {"format_version": "1", "step": "120"}
//	optimizer.safetensors  optimizer state tensors named by the trainer (e.g. "adam.m/<param>",
//	                       "adam.v/<param>"), possibly none; same metadata
//	state.json             {"format_version": 1, "step": 120, "config": <trainer's config>,
//	                        "rng": <RNG states>, "extra": <anything else, or null>}
//
// A step-N directory exists only once complete: Save builds it under a temporary name, fsyncs every
// file and the directory, then renames it into place, and only then replaces latest (temporary file,
// fsync, rename, fsync of the run directory). A crash at any moment leaves the previous checkpoint
// and latest loadable; the one exception is re-saving an existing step where the atomic exchange
// is unavailable (not Linux, or a file system without renameat2), which falls back to two renames
// (see Save). The format version lives in three places so that a file separated from its
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
// This package reads and writes the dtypes F32 and F8_E4M3 (others are rejected by name). It writes
// tensors back to back, F32 first and by name within a dtype (so every tensor is aligned to its
// element size), so equal inputs give equal files.
//
// # FP8 form
//
// DeepSeek-V3 ships its weights as OCP FP8 E4M3 codes with one float32 scale per 128×128 block,
// and so can this package (package fp8 has the format and the rounding):
//
//	"layer0.mlp.fc.w"            F8_E4M3 [128, 512]   the codes
//	"layer0.mlp.fc.w_scale_inv"  F32     [1, 4]       value = code · scale_inv, per 128×128 block
//	"layer0.mlp.fc.b"            F32     [512]        vectors stay F32, as DeepSeek keeps its norms
//
// QuantizeWeights turns F32 weights into this form (only rank-2 tensors are quantised: a quarter
// of the bytes, plus 4 per block) and DequantizeWeights turns it back into F32, each element off
// by at most half an FP8 ulp at its scaled magnitude: 2^-4 relative, except for elements more
// than 448 · 2^6 = 28672 times smaller than their block's largest (package fp8 states the bound).
// ReadSafetensors and Load hand out F8_E4M3 tensors raw (Tensor.Dtype F8E4M3, codes in
// Tensor.Codes); the block size is not recorded in the file, so the reader must know it (128×128
// unless the writer said otherwise).
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
//	        begin, end = info["data_offsets"]
//	        if info["dtype"] == "F8_E4M3":  # numpy has no float8: decode S.EEEE.MMM by hand
//	            b = np.frombuffer(buf[begin:end], dtype=np.uint8).astype(np.int64)
//	            e, m = (b >> 3) & 15, (b & 7) / 8
//	            v = np.where(e == 0, m * 2.0**-6, (1 + m) * np.exp2(e - 7.0))
//	            v = np.where((e == 15) & (m == 7 / 8), np.nan, v)
//	            t = np.where(b >= 128, -v, v).astype("<f4")
//	        else:
//	            assert info["dtype"] == "F32", info["dtype"]
//	            t = np.frombuffer(buf[begin:end], dtype="<f4")
//	        tensors[name] = t.reshape(info["shape"])
//	    return tensors, metadata
//
//	weights, meta = read_safetensors("run/step-000120/model.safetensors")
//	# FP8 form: w = weights[name]; s = weights[name + "_scale_inv"]
//	# w * np.repeat(np.repeat(s, 128, 0), 128, 1)[:w.shape[0], :w.shape[1]]
//
// The layout is the Hugging Face one, so its safetensors library should load these files too
// (not tested here: the library is not installed on the project's machines).
package checkpoints
