package checkpoints

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzReadSafetensors feeds arbitrary bytes to ReadSafetensors. It must never panic, must return
// one-line errors, must not hand out more tensor data than the file holds, and whatever it accepts
// must survive a write/read round trip unchanged.
func FuzzReadSafetensors(f *testing.F) {
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
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
			total += 4 * len(ts.Data)
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
	})
}
