package checkpoints

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden*.safetensors")

const goldenPath = "testdata/golden.safetensors"

// goldenTensors is the fixed input of testdata/golden.safetensors: edge-case values, a scalar, an
// empty tensor, and names given out of order.
func goldenTensors() ([]Tensor, map[string]string) {
	tensors := []Tensor{
		{Name: "layer0/attn.weight", Shape: []int{2, 3}, Data: []float32{
			1.5, -0.25, 0, float32(math.Copysign(0, -1)), math.MaxFloat32, math.SmallestNonzeroFloat32,
		}},
		{Name: "bias", Shape: []int{3}, Data: []float32{1, 2, 3}},
		{Name: "empty", Shape: []int{0, 4}, Data: []float32{}},
		{Name: "scale", Shape: []int{}, Data: []float32{0.1}},
		{Name: "special", Shape: []int{3}, Data: []float32{
			float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		}},
	}
	meta := map[string]string{"format_version": "1", "step": "120", "note": "a<b & c>d"}
	return tensors, meta
}

// equalTensors compares tensors bit for bit (NaN equals NaN, 0 differs from -0), dtype and
// FP8 codes included.
func equalTensors(a, b []Tensor) bool {
	return slices.EqualFunc(a, b, func(x, y Tensor) bool {
		return x.Name == y.Name && slices.Equal(x.Shape, y.Shape) && x.Dtype == y.Dtype &&
			slices.Equal(x.Codes, y.Codes) &&
			slices.EqualFunc(x.Data, y.Data, func(u, v float32) bool {
				return math.Float32bits(u) == math.Float32bits(v)
			})
	})
}

func sortedByName(ts []Tensor) []Tensor {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	return ts
}

func TestGolden(t *testing.T) {
	tensors, meta := goldenTensors()
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, tensors, meta); err != nil {
		t.Fatalf("WriteSafetensors: %v", err)
	}
	if *update {
		if err := os.WriteFile(goldenPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteSafetensors(golden tensors) differs from %s (run go test -update if intended)\ngot  %q\nwant %q", goldenPath, buf.Bytes(), want)
	}
	n := binary.LittleEndian.Uint64(want)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	got, gotMeta, err := ReadSafetensors(bytes.NewReader(want), int64(len(want)))
	if err != nil {
		t.Fatalf("ReadSafetensors(golden): %v", err)
	}
	if !equalTensors(got, sortedByName(tensors)) {
		t.Errorf("ReadSafetensors(golden) = %v; want %v", got, sortedByName(tensors))
	}
	if !mapsEqual(gotMeta, meta) {
		t.Errorf("ReadSafetensors(golden) metadata = %v; want %v", gotMeta, meta)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		var tensors []Tensor
		for i := range rng.IntN(6) {
			shape := make([]int, rng.IntN(4))
			n := 1
			for j := range shape {
				shape[j] = rng.IntN(50)
				n *= shape[j]
			}
			data := make([]float32, n)
			for j := range data {
				data[j] = math.Float32frombits(rng.Uint32())
			}
			tensors = append(tensors, Tensor{Name: "t" + strconv.Itoa(rng.IntN(1000)) + "." + strconv.Itoa(i), Shape: shape, Data: data})
		}
		var meta map[string]string
		if rng.IntN(2) == 0 {
			meta = map[string]string{"k": strconv.Itoa(trial), "ünïcode\"\n": "\x00\t"}
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, tensors, meta); err != nil {
			t.Fatalf("trial %d: WriteSafetensors: %v", trial, err)
		}
		got, gotMeta, err := ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("trial %d: ReadSafetensors: %v", trial, err)
		}
		if !equalTensors(got, sortedByName(tensors)) {
			t.Errorf("trial %d: tensors differ after round trip", trial)
		}
		if !mapsEqual(gotMeta, meta) {
			t.Errorf("trial %d: metadata = %v; want %v", trial, gotMeta, meta)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"empty name", []Tensor{{Name: "", Shape: []int{1}, Data: []float32{1}}}, nil, "empty name"},
		{"reserved name", []Tensor{{Name: "__metadata__", Shape: []int{1}, Data: []float32{1}}}, nil, `"__metadata__": name is reserved`},
		{"duplicate", []Tensor{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{2}}}, nil, `tensor "a": duplicate name`},
		{"bad utf8 name", []Tensor{{Name: "\xff", Data: []float32{1}}}, nil, "not valid UTF-8"},
		{"bad utf8 meta", []Tensor{{Name: "a", Data: []float32{1}}}, map[string]string{"k": "\xfe"}, "not valid UTF-8"},
		{"negative dim", []Tensor{{Name: "a", Shape: []int{-1}, Data: nil}}, nil, `tensor "a": shape [-1] has a negative dimension`},
		{"length mismatch", []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1, 2, 3}}}, nil, `tensor "a": shape [2 2] has 4 elements, data has 3`},
		{"scalar mismatch", []Tensor{{Name: "s", Data: nil}}, nil, `tensor "s": shape [] has 1 elements, data has 0`},
		{"overflow", []Tensor{{Name: "a", Shape: []int{math.MaxInt/2 + 1, math.MaxInt/2 + 1}}}, nil, "overflows"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := WriteSafetensors(&buf, tt.tensors, tt.meta)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: WriteSafetensors = %v; want error containing %q", tt.name, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: WriteSafetensors wrote %d bytes before failing", tt.name, buf.Len())
		}
	}
}

// rawFile builds a safetensors file from a literal header and dataLen zero bytes of data.
func rawFile(header string, dataLen int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, dataLen)...)
}

// withHeaderLen returns file with its header length field replaced by n.
func withHeaderLen(file []byte, n uint64) []byte {
	b := slices.Clone(file)
	binary.LittleEndian.PutUint64(b, n)
	return b
}

func f32(name, shape, offsets string) string {
	return `"` + name + `":{"dtype":"F32","shape":` + shape + `,"data_offsets":` + offsets + `}`
}

// readErr runs ReadSafetensors on b, failing the test on a panic or on success.
func readErr(t *testing.T, b []byte, size int64) error {
	t.Helper()
	ts, meta, err := ReadSafetensors(bytes.NewReader(b), size)
	if err == nil {
		t.Errorf("ReadSafetensors(%q) = %v, %v, nil; want an error", b, ts, meta)
		return nil
	}
	if ts != nil || meta != nil {
		t.Errorf("ReadSafetensors(%q) returned data with error %v", b, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "checkpoints: safetensors: ") {
		t.Errorf("ReadSafetensors(%q) error %q: want one line starting with the package prefix", b, msg)
	}
	return err
}

func TestReadHostile(t *testing.T) {
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "0 bytes, too short"},
		{"7 bytes", []byte{1, 2, 3, 4, 5, 6, 7}, "7 bytes, too short"},
		{"header length 2^60", withHeaderLen(golden, 1<<60), "header length 1152921504606846976 exceeds file size"},
		{"header length 2^64-1", withHeaderLen(golden, math.MaxUint64), "exceeds file size"},
		{"header length > file", withHeaderLen(golden, uint64(len(golden)-7)), "exceeds file size"},
		{"header length 0", rawFile("", 0), "header length 0 is too short"},
		{"header length 1", rawFile("{", 0), "header length 1 is too short"},
		{"overlap", rawFile("{"+f32("a", "[2]", "[0,8]")+","+f32("b", "[2]", "[4,12]")+"}", 12),
			`tensor "b": data_offsets [4, 12] overlap tensor "a" [0, 8]`},
		{"overlap same offsets", rawFile("{"+f32("a", "[1]", "[0,4]")+","+f32("b", "[1]", "[0,4]")+"}", 4),
			`tensor "b": data_offsets [0, 4] overlap tensor "a" [0, 4]`},
		{"gap between", rawFile("{"+f32("a", "[1]", "[0,4]")+","+f32("b", "[1]", "[8,12]")+"}", 12),
			`tensor "b": gap of 4 bytes`},
		{"gap at start", rawFile("{"+f32("a", "[1]", "[4,8]")+"}", 8), `tensor "a": gap of 4 bytes`},
		{"offsets out of range", rawFile("{"+f32("a", "[2]", "[0,8]")+"}", 4),
			`tensor "a": data_offsets [0, 8] exceed the 4-byte data buffer`},
		{"huge offsets out of range", rawFile("{"+f32("a", "[268435456]", "[0,1073741824]")+"}", 0),
			`tensor "a": data_offsets [0, 1073741824] exceed the 0-byte data buffer`},
		{"offsets beyond int64", rawFile("{"+f32("a", "[1]", "[0,99999999999999999999]")+"}", 4),
			`tensor "a": data_offsets value 99999999999999999999 out of range`},
		{"offsets reversed", rawFile("{"+f32("a", "[0]", "[8,4]")+"}", 8), `tensor "a": data_offsets [8, 4] end before they begin`},
		{"three offsets", rawFile("{"+f32("a", "[1]", "[0,4,8]")+"}", 4), `tensor "a": data_offsets has 3 values, want 2`},
		{"shape/offset mismatch", rawFile("{"+f32("a", "[3]", "[0,8]")+"}", 8),
			`tensor "a": shape [3] of F32 needs 12 bytes, data_offsets [0, 8] hold 8`},
		{"scalar mismatch", rawFile("{"+f32("a", "[]", "[0,8]")+"}", 8), `tensor "a": shape [] of F32 needs 4 bytes`},
		{"unknown dtype", rawFile(`{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, 4), `tensor "a": unknown dtype "F33" (this reader decodes F32, F8_E4M3)`},
		{"unsupported dtype", rawFile(`{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, 4), `tensor "a": unsupported dtype "BF16"`},
		{"dtype not a string", rawFile(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, 4), `tensor "a": dtype is the number 4, not a string`},
		{"duplicate name", rawFile("{"+f32("a", "[1]", "[0,4]")+","+f32("a", "[1]", "[4,8]")+"}", 8), `tensor "a": duplicate name`},
		{"duplicate field", rawFile(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), `tensor "a": duplicate field dtype`},
		{"duplicate metadata", rawFile(`{"__metadata__":{},"__metadata__":{}}`, 0), "duplicate __metadata__"},
		{"duplicate metadata key", rawFile(`{"__metadata__":{"k":"1","k":"2"}}`, 0), `__metadata__: duplicate key "k"`},
		{"empty name", rawFile("{"+f32("", "[1]", "[0,4]")+"}", 4), "tensor with empty name"},
		{"negative dim", rawFile("{"+f32("a", "[-1]", "[0,4]")+"}", 4), `tensor "a": shape value -1 is negative`},
		{"negative offset", rawFile("{"+f32("a", "[1]", "[-4,0]")+"}", 4), `tensor "a": data_offsets value -4 is negative`},
		{"fractional dim", rawFile("{"+f32("a", "[1.5]", "[0,4]")+"}", 4), `tensor "a": shape value 1.5 is not an integer`},
		{"exponent dim", rawFile("{"+f32("a", "[1e3]", "[0,4]")+"}", 4), `tensor "a": shape value 1e3 is not an integer`},
		{"dim beyond int64", rawFile("{"+f32("a", "[9223372036854775808]", "[0,4]")+"}", 4), `tensor "a": shape value 9223372036854775808 out of range`},
		{"dims overflow int64", rawFile("{"+f32("a", "[4294967296,4294967296]", "[0,4]")+"}", 4), `tensor "a": shape [4294967296 4294967296] overflows`},
		{"dims overflow bytes", rawFile("{"+f32("a", "[2305843009213693952]", "[0,4]")+"}", 4), `tensor "a": shape [2305843009213693952] overflows`},
		{"zero dim with huge dim", rawFile("{"+f32("a", "[0,9223372036854775807]", "[0,0]")+"}", 4), "4 trailing bytes"},
		{"shape not array", rawFile("{"+f32("a", "5", "[0,4]")+"}", 4), `tensor "a": shape is the number 5, not an array`},
		{"shape holds string", rawFile("{"+f32("a", `["1"]`, "[0,4]")+"}", 4), `tensor "a": shape holds a string, not an integer`},
		{"missing data_offsets", rawFile(`{"a":{"dtype":"F32","shape":[1]}}`, 4), `tensor "a": missing data_offsets`},
		{"missing shape", rawFile(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, 4), `tensor "a": missing shape`},
		{"missing dtype", rawFile(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, 4), `tensor "a": missing dtype`},
		{"unknown field", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"foo":1}}`, 4), `tensor "a": unknown field "foo"`},
		{"record not object", rawFile(`{"a":5}`, 0), `tensor "a": record is the number 5, not an object`},
		{"metadata number", rawFile(`{"__metadata__":{"k":1}}`, 0), `__metadata__["k"] is the number 1, not a string`},
		{"metadata null", rawFile(`{"__metadata__":{"k":null}}`, 0), `__metadata__["k"] is null, not a string`},
		{"metadata object", rawFile(`{"__metadata__":{"k":{"x":"y"}}}`, 0), `__metadata__["k"] is an object, not a string`},
		{"metadata array", rawFile(`{"__metadata__":["x"]}`, 0), `__metadata__ is an array, not an object`},
		{"trailing bytes", rawFile("{"+f32("a", "[1]", "[0,4]")+"}", 8), "4 trailing bytes after the last tensor"},
		{"trailing bytes no tensors", rawFile("{}", 3), "3 trailing bytes"},
		{"bad JSON", rawFile(`{"a":`, 0), "bad JSON"},
		{"bad JSON missing comma", rawFile(`{"a":{"dtype":"F32" "shape":[1]}}`, 0), "bad JSON"},
		{"not an object", rawFile(`[1,2]`, 0), `header starts with '[', not '{'`},
		{"leading space", rawFile(` {}`, 0), `header starts with ' ', not '{'`},
		{"data after object", rawFile(`{} {}`, 0), "data after the JSON object"},
		{"invalid UTF-8", rawFile("{\"\xff\":1}", 0), "header is not valid UTF-8"},
		{"key not string", rawFile(`{1:2}`, 0), "bad JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readErr(t, tt.file, int64(len(tt.file)))
			if err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadSafetensors(%q) = %v; want error containing %q", tt.file, err, tt.want)
			}
		})
	}
}

// TestReadEdgeCases checks files that are odd but valid.
func TestReadEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want int // tensors
	}{
		{"no tensors", rawFile("{}", 0), 0},
		{"only metadata", rawFile(`{"__metadata__":{}}`, 0), 0},
		{"unpadded header", rawFile("{"+f32("a", "[1]", "[0,4]")+"}", 4), 1},
		{"newline padding", rawFile("{"+f32("a", "[1]", "[0,4]")+"}\n\t  ", 4), 1},
		{"offsets out of name order", rawFile("{"+f32("b", "[1]", "[0,4]")+","+f32("a", "[2]", "[4,12]")+"}", 12), 2},
		{"zero-size tensors share an offset", rawFile("{"+f32("a", "[0]", "[4,4]")+","+f32("b", "[1]", "[0,4]")+","+f32("c", "[0,3]", "[4,4]")+"}", 4), 3},
	}
	for _, tt := range tests {
		ts, _, err := ReadSafetensors(bytes.NewReader(tt.file), int64(len(tt.file)))
		if err != nil || len(ts) != tt.want {
			t.Errorf("%s: ReadSafetensors(%q) = %d tensors, %v; want %d, nil", tt.name, tt.file, len(ts), err, tt.want)
		}
		if !slices.IsSortedFunc(ts, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("%s: tensors not sorted by name", tt.name)
		}
	}
}

func TestReadTruncated(t *testing.T) {
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint64(golden))
	tests := []struct {
		cut  int
		want string
	}{
		{0, "too short"},
		{4, "too short"},
		{7, "too short"},
		{8, "exceeds file size"},
		{9, "exceeds file size"},
		{8 + n/2, "exceeds file size"},
		{8 + n - 1, "exceeds file size"},
		{8 + n, "exceed the 0-byte data buffer (truncated?)"},
		{8 + n + 1, "exceed the 1-byte data buffer (truncated?)"},
		{len(golden) - 4, "data buffer (truncated?)"},
		{len(golden) - 1, "data buffer (truncated?)"},
	}
	for _, tt := range tests {
		b := golden[:tt.cut]
		err := readErr(t, b, int64(len(b)))
		if err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadSafetensors(golden[:%d]) = %v; want error containing %q", tt.cut, err, tt.want)
		}
	}
	// A size that promises more bytes than the reader has: the read fails, nothing panics.
	err = readErr(t, golden, int64(len(golden))+100)
	if err != nil && !strings.Contains(err.Error(), "100 trailing bytes") {
		t.Errorf("ReadSafetensors(golden, size+100) = %v; want trailing bytes", err)
	}
	hdr := golden[:8+n]
	err = readErr(t, hdr, int64(len(golden)))
	if err != nil && !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("ReadSafetensors(golden header only, full size) = %v; want unexpected EOF", err)
	}
}

// hugeHeaderReader claims a header of 200 MB in a file of 1 GB, and has no other bytes: the header
// limit must reject it before anything is allocated or read.
type hugeHeaderReader struct{}

func (hugeHeaderReader) ReadAt(p []byte, off int64) (int, error) {
	if off != 0 || len(p) != 8 {
		return 0, errors.New("unexpected read")
	}
	binary.LittleEndian.PutUint64(p, 200_000_000)
	return 8, nil
}

func TestReadHeaderLimit(t *testing.T) {
	_, _, err := ReadSafetensors(hugeHeaderReader{}, 1<<30)
	if err == nil || !strings.Contains(err.Error(), "header length 200000000 exceeds the 100000000-byte limit") {
		t.Errorf("ReadSafetensors(200 MB header) = %v; want header limit error", err)
	}
}

func TestReadFlipped(t *testing.T) {
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint64(golden))
	header := string(golden[8 : 8+n])
	at := func(sub string, delta int) int {
		i := strings.Index(header, sub)
		if i < 0 {
			t.Fatalf("golden header lacks %q", sub)
		}
		return 8 + i + delta
	}
	tests := []struct {
		name string
		pos  int
		xor  byte
		want string
	}{
		{"first brace", 8, 0x01, `header starts with 'z', not '{'`},                                                                             // '{' -> 'z'
		{"high bit", at(`"bias"`, 1), 0x80, "not valid UTF-8"},                                                                                  // 'b' -> 0xE2
		{"quote", at(`"bias"`, 0), 0x01, "bad JSON"},                                                                                            // '"' -> '#'
		{"dtype letter", at(`"F32"`, 1), 0x01, `tensor "bias": unknown dtype "G32"`},                                                            // 'F' -> 'G'
		{"shape digit", at(`"shape":[3]`, 9), 0x01, `tensor "bias": shape [2] of F32 needs 8 bytes`},                                            // '3' -> '2'
		{"offset digit", at(`"data_offsets":[0,12]`, 16), 0x02, `tensor "bias": shape [3] of F32 needs 12 bytes, data_offsets [2, 12] hold 10`}, // '0' -> '2'
		{"field name", at(`"shape"`, 1), 0x01, `unknown field "rhape"`},                                                                         // 's' -> 'r'
		{"padding", 8 + n - 1, 0x01, "data after the JSON object"},                                                                              // ' ' -> '!'
		{"closing brace", at(`}`, 0), 0x06, "bad JSON"},                                                                                         // '}' -> '{'
		{"metadata colon", at(`"__metadata__":`, 14), 0x01, "bad JSON"},                                                                         // ':' -> ';'
		{"metadata value quote", at(`"step":"120"`, 7), 0x0f, `__metadata__["step"] is the number -120, not a string`},                          // '"' -> '-'
		{"length low byte", 0, 0x01, "data after the JSON object"},                                                                              // N+1 takes in a data byte
		{"length byte", 2, 0x01, "exceeds file size"},                                                                                           // N + 2^16
		{"length high byte", 7, 0x01, "header length 72057594037928"},                                                                           // N + 2^56
		{"data offsets bracket", at(`"data_offsets":[`, 15), 0x20, `tensor "bias": data_offsets is an object, not an array`},                    // '[' -> '{'
	}
	for _, tt := range tests {
		b := slices.Clone(golden)
		b[tt.pos] ^= tt.xor
		err := readErr(t, b, int64(len(b)))
		if err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ReadSafetensors(golden with byte %d ^ %#x) = %v; want error containing %q", tt.name, tt.pos, tt.xor, err, tt.want)
		}
	}

	// Every single-bit flip of the length and header: never a panic, always a one-line error or
	// a file that still reads (a flipped name or metadata value can be valid).
	for pos := 0; pos < 8+n; pos++ {
		for bit := range 8 {
			b := slices.Clone(golden)
			b[pos] ^= 1 << bit
			_, _, err := ReadSafetensors(bytes.NewReader(b), int64(len(b)))
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("flip byte %d bit %d: multi-line error %q", pos, bit, err)
			}
		}
	}
}

// pythonWithNumpy returns a python3 that can import numpy, or "" if there is none.
func pythonWithNumpy() string {
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, p := range candidates {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	return ""
}

// pythonRead runs testdata/read_safetensors.py (json, struct and numpy only) on path and returns
// what it printed: every tensor as float32 values in Data (FP8 codes decoded by the script's own
// formula), with the dtype each had in the file, and the metadata each header line carried.
func pythonRead(t *testing.T, path string) (tensors []Tensor, stored []string, metas []map[string]string) {
	t.Helper()
	python := pythonWithNumpy()
	if python == "" {
		t.Skip("no python3 with numpy")
	}
	out, err := exec.Command(python, filepath.Join("testdata", "read_safetensors.py"), path).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("read_safetensors.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("read_safetensors.py: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "{") {
			if len(tensors) == 0 {
				t.Fatalf("read_safetensors.py: value %q before any header line", line)
			}
			v, err := strconv.ParseFloat(line, 64)
			if err != nil {
				t.Fatalf("read_safetensors.py: value %q: %v", line, err)
			}
			last := &tensors[len(tensors)-1]
			last.Data = append(last.Data, float32(v))
			continue
		}
		var head struct {
			Metadata map[string]string
			Name     string
			Dtype    string
			Stored   string
			Shape    []int
		}
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("read_safetensors.py: header line %q: %v", line, err)
		}
		if head.Dtype != "float32" {
			t.Errorf("read_safetensors.py: %s: numpy dtype %s; want float32", head.Name, head.Dtype)
		}
		tensors = append(tensors, Tensor{Name: head.Name, Shape: head.Shape, Data: []float32{}})
		stored = append(stored, head.Stored)
		metas = append(metas, head.Metadata)
	}
	return tensors, stored, metas
}

// canonNaN returns ts with every NaN replaced by the same one: Python's float() turns every NaN
// into the same one, so NaN compares as NaN.
func canonNaN(ts []Tensor) []Tensor {
	ts = slices.Clone(ts)
	for i := range ts {
		ts[i].Data = slices.Clone(ts[i].Data)
		for j, v := range ts[i].Data {
			if v != v {
				ts[i].Data[j] = float32(math.NaN())
			}
		}
	}
	return ts
}

// TestPythonReader checks that testdata/read_safetensors.py (json, struct and numpy only) reads
// the golden file exactly as ReadSafetensors does.
func TestPythonReader(t *testing.T) {
	got, stored, metas := pythonRead(t, goldenPath)
	tensors, meta := goldenTensors()
	want := sortedByName(tensors)
	for i, m := range metas {
		if stored[i] != "F32" || !mapsEqual(m, meta) {
			t.Errorf("read_safetensors.py: %s: stored %s, metadata %v; want F32, %v", got[i].Name, stored[i], m, meta)
		}
	}
	if !equalTensors(canonNaN(got), canonNaN(want)) {
		t.Errorf("read_safetensors.py(golden) = %v; want %v", got, want)
	}
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, io.ErrShortWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteFailingWriter(t *testing.T) {
	tensors, meta := goldenTensors()
	for _, n := range []int{0, 4, 8, 20, 100} {
		if err := WriteSafetensors(&errWriter{n: n}, tensors, meta); err == nil {
			t.Errorf("WriteSafetensors(writer failing after %d bytes) = nil; want error", n)
		}
	}
}
