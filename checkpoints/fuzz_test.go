package checkpoints

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"mathzero/fp8"
)

// FuzzReadSafetensors feeds arbitrary bytes to ReadSafetensors. It must never panic, must return
// one-line errors, must not hand out more tensor data than the file holds, and whatever it accepts
// must survive a write/read round trip unchanged. What it accepts is also handed to
// DequantizeWeights (in the golden FP8 file's 2×4 blocks and in 128×128 ones), which must never
// panic either and must fail with one line.
func FuzzReadSafetensors(f *testing.F) {
	for _, path := range []string{goldenPath, goldenFP8Path} {
		golden, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(golden)
	}
	f.Add(rawFile("{"+f8("w", "[2,3]", "[4,10]")+","+f32("w_scale_inv", "[1,1]", "[0,4]")+"}", 10))
	f.Add(rawFile("{"+f8("w", "[3]", "[4,7]")+","+f32("w_scale_inv", "[1]", "[0,4]")+"}", 7))
	f.Add(rawFile("{"+f8("a", "[0,3]", "[0,0]")+","+f8("b", "[]", "[0,1]")+"}", 1))
	f.Add(rawFile("{}", 0))
	f.Add(rawFile(`{"__metadata__":{"k":"v"},`+f32("a", "[2]", "[0,8]")+"}", 8))
	f.Add(rawFile("{"+f32("a", "[0,3]", "[0,0]")+","+f32("b", "[]", "[0,4]")+"}", 4))
	f.Add(rawFile("{"+f32("a", "[2]", "[0,8]")+","+f32("a", "[2]", "[4,12]")+"}", 12))
	f.Fuzz(func(t *testing.T, b []byte) {
		tensors, meta, err := ReadSafetensors(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		total := 0
		for _, ts := range tensors {
			total += 4*len(ts.Data) + len(ts.Codes)
		}
		if total > len(b) {
			t.Fatalf("%d bytes of tensor data from a %d-byte file", total, len(b))
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, tensors, meta); err != nil {
			t.Fatalf("WriteSafetensors of what ReadSafetensors accepted: %v", err)
		}
		again, meta2, err := ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("ReadSafetensors of a rewritten file: %v", err)
		}
		if !equalTensors(again, tensors) || !mapsEqual(meta2, meta) {
			t.Fatalf("round trip changed the tensors or metadata")
		}
		for _, b := range []fp8.Block{goldenBlock, fp8.DefaultBlock()} {
			deq, err := DequantizeWeights(tensors, b)
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("multi-line error %q", err)
				}
				continue
			}
			for _, d := range deq {
				if d.Dtype != F32 || len(d.Codes) != 0 {
					t.Fatalf("DequantizeWeights left %s as %v", d.Name, d.Dtype)
				}
			}
		}
	})
}
