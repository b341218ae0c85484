package checkpoints

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"mathzero/fp8"
)

const goldenFP8Path = "testdata/golden_fp8.safetensors"

// goldenBlock is small so that the golden weight spans several blocks, edge blocks included.
var goldenBlock = fp8.Block{Rows: 2, Cols: 4}

// goldenFP8Weights is the F32 input of testdata/golden_fp8.safetensors: a 3×5 matrix in 2×4
// blocks (a full block with ±448 and -0, a 2×1 edge block of small values, an all-zero 1×4
// block, a 1×1 block of 1e6), a bias and a LayerNorm gain.
func goldenFP8Weights() []Tensor {
	return []Tensor{
		{Name: "layer0.mlp.fc.w", Shape: []int{3, 5}, Data: []float32{
			1, -2, 0.5, 300, 0.01,
			3, -448, 7, float32(math.Copysign(0, -1)), -1e-3,
			0, 0, 0, 0, 1e6,
		}},
		{Name: "layer0.mlp.fc.b", Shape: []int{5}, Data: []float32{0.1, -0.2, 0, 1e-9, 3}},
		{Name: "ln_f.g", Shape: []int{2}, Data: []float32{1, 1}},
	}
}

// goldenFP8Tensors is QuantizeWeights(goldenFP8Weights(), goldenBlock, nil) plus "all_codes", a raw
// 16×16 F8_E4M3 tensor holding every code 0x00..0xFF (NaNs included) and no scales.
func goldenFP8Tensors(t *testing.T) []Tensor {
	t.Helper()
	tensors, err := QuantizeWeights(goldenFP8Weights(), goldenBlock, nil)
	if err != nil {
		t.Fatalf("QuantizeWeights(golden): %v", err)
	}
	all := Tensor{Name: "all_codes", Shape: []int{16, 16}, Dtype: F8E4M3, Codes: make([]fp8.E4M3, 256)}
	for i := range all.Codes {
		all.Codes[i] = fp8.E4M3(i)
	}
	return append(tensors, all)
}

// checkClose checks that got is x after an FP8 round trip with the scales s of block b:
// |x - x̂| ≤ max(|x|·2^-4, scaleInv·2^-10), the bound of the fp8 package comment.
func checkClose(t *testing.T, name string, x, got []float32, shape []int, s []float32, b fp8.Block) {
	t.Helper()
	rows, cols, err := fp8.MatrixShape(shape)
	if err != nil || len(x) != len(got) {
		t.Fatalf("%s: shape %v, %d values, %d after the round trip, %v", name, shape, len(x), len(got), err)
	}
	_, sc := b.ScaleShape(rows, cols)
	for k := range x {
		i, j := k/cols, k%cols
		scale := float64(s[i/b.Rows*sc+j/b.Cols])
		xv := float64(x[k])
		bound := max(math.Abs(xv)*0x1p-4, scale*0x1p-10) * (1 + 0x1p-20)
		if d := math.Abs(xv - float64(got[k])); d > bound || math.Signbit(xv) != math.Signbit(float64(got[k])) && got[k] != 0 {
			t.Errorf("%s[%d, %d] = %v came back as %v: error %v > %v", name, i, j, xv, got[k], d, bound)
		}
	}
}

func TestGoldenFP8(t *testing.T) {
	tensors := goldenFP8Tensors(t)
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, tensors, map[string]string{"format_version": "1", "step": "7"}); err != nil {
		t.Fatalf("WriteSafetensors: %v", err)
	}
	if *update {
		if err := os.WriteFile(goldenFP8Path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenFP8Path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteSafetensors(golden FP8 tensors) differs from %s (run go test -update if intended)\ngot  %q\nwant %q", goldenFP8Path, buf.Bytes(), want)
	}
	n := binary.LittleEndian.Uint64(want)
	header := string(want[8 : 8+n])
	for _, rec := range []string{
		`"all_codes":{"dtype":"F8_E4M3","shape":[16,16],"data_offsets":[44,300]}`,
		`"layer0.mlp.fc.w":{"dtype":"F8_E4M3","shape":[3,5],`,
		`"layer0.mlp.fc.w_scale_inv":{"dtype":"F32","shape":[2,2],`,
		`"layer0.mlp.fc.b":{"dtype":"F32","shape":[5],`,
	} {
		if !strings.Contains(header, rec) {
			t.Errorf("golden FP8 header %s lacks %s", header, rec)
		}
	}
	// F32 tensors come first, so each starts at a multiple of 4 bytes in the file.
	var recs map[string]struct {
		Dtype       string
		DataOffsets [2]int `json:"data_offsets"`
	}
	if err := json.Unmarshal([]byte(header), &recs); err != nil {
		t.Fatal(err)
	}
	for name, r := range recs {
		if r.Dtype == "F32" && (r.DataOffsets[0] >= 44 || (8+int(n)+r.DataOffsets[0])%4 != 0) {
			t.Errorf("golden FP8: F32 tensor %s at data_offsets %v: not first, or misaligned", name, r.DataOffsets)
		}
	}
	// 256 + 15 codes, 4 scales, 5 + 2 F32 values, and the header.
	if got := len(want) - 8 - int(n); got != 256+15+4*(4+5+2) {
		t.Errorf("golden FP8 data buffer is %d bytes; want %d", got, 256+15+4*(4+5+2))
	}

	got, _, err := ReadSafetensors(bytes.NewReader(want), int64(len(want)))
	if err != nil {
		t.Fatalf("ReadSafetensors(golden FP8): %v", err)
	}
	if !equalTensors(got, sortedByName(tensors)) {
		t.Fatalf("ReadSafetensors(golden FP8) = %v; want %v", got, sortedByName(tensors))
	}

	// The codes of the matrix, by hand: block [0, 0] has amax 448, so scale 1 and codes are
	// E4M3(x); block [0, 1] (0.01, -1e-3) has scale 0.01/448.
	w := got[slices.IndexFunc(got, func(t Tensor) bool { return t.Name == "layer0.mlp.fc.w" })]
	s := got[slices.IndexFunc(got, func(t Tensor) bool { return t.Name == "layer0.mlp.fc.w_scale_inv" })]
	if !slices.Equal(s.Data, []float32{1, 0.01 / 448, 1, 1e6 / 448}) {
		t.Errorf("layer0.mlp.fc.w_scale_inv = %v; want [1 %v 1 %v]", s.Data, float32(0.01/448), float32(1e6/448))
	}
	if w.Codes[3] != fp8.FromFloat32(300) || w.Codes[6] != 0xFE || w.Codes[8] != 0x80 || w.Codes[4] != 0x7E || w.Codes[14] != 0x7E {
		t.Errorf("layer0.mlp.fc.w codes = % x", w.Codes)
	}

	// Without the scale-less all_codes, the file dequantises to the input weights.
	deq, err := DequantizeWeights(slices.DeleteFunc(slices.Clone(got), func(t Tensor) bool { return t.Name == "all_codes" }), goldenBlock)
	if err != nil {
		t.Fatalf("DequantizeWeights(golden FP8): %v", err)
	}
	in := sortedByName(goldenFP8Weights())
	if len(deq) != len(in) {
		t.Fatalf("DequantizeWeights(golden FP8) gave %d tensors; want %d", len(deq), len(in))
	}
	for i, x := range in {
		if deq[i].Name != x.Name || deq[i].Dtype != F32 || !slices.Equal(deq[i].Shape, x.Shape) {
			t.Fatalf("DequantizeWeights(golden FP8)[%d] = %s %v %v; want %s F32 %v", i, deq[i].Name, deq[i].Dtype, deq[i].Shape, x.Name, x.Shape)
		}
		if x.Name == "layer0.mlp.fc.w" {
			checkClose(t, x.Name, x.Data, deq[i].Data, x.Shape, s.Data, goldenBlock)
		} else if !equalTensors(deq[i:i+1], in[i:i+1]) {
			t.Errorf("DequantizeWeights(golden FP8) changed the F32 tensor %s: %v; want %v", x.Name, deq[i].Data, x.Data)
		}
	}
	if _, err := DequantizeWeights(got, goldenBlock); err == nil || !strings.Contains(err.Error(), `F8_E4M3 tensor "all_codes" has no scales "all_codes_scale_inv"`) {
		t.Errorf("DequantizeWeights(golden FP8 with all_codes) = %v; want no scales error", err)
	}
}

// TestPythonReaderFP8 checks that testdata/read_safetensors.py, decoding F8_E4M3 by its own
// formula, reads the FP8 golden file as Go does: every code's value, NaNs and -0 included.
func TestPythonReaderFP8(t *testing.T) {
	got, stored, _ := pythonRead(t, goldenFP8Path)
	want := sortedByName(goldenFP8Tensors(t))
	if len(got) != len(want) {
		t.Fatalf("read_safetensors.py(golden FP8) printed %d tensors; want %d", len(got), len(want))
	}
	for i := range want {
		if stored[i] != want[i].Dtype.String() {
			t.Errorf("read_safetensors.py: %s stored as %s; want %v", want[i].Name, stored[i], want[i].Dtype)
		}
		if want[i].Dtype == F8E4M3 {
			want[i].Data = make([]float32, len(want[i].Codes))
			for j, c := range want[i].Codes {
				want[i].Data[j] = c.Float32()
			}
			want[i].Dtype, want[i].Codes = F32, nil
		}
	}
	if !equalTensors(canonNaN(got), canonNaN(want)) {
		t.Errorf("read_safetensors.py(golden FP8) = %v; want %v", got, want)
	}
}

func TestWriteErrorsFP8(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
		want    string
	}{
		{"codes length", []Tensor{{Name: "a", Shape: []int{2, 2}, Dtype: F8E4M3, Codes: make([]fp8.E4M3, 3)}}, `tensor "a": shape [2 2] has 4 elements, codes has 3`},
		{"no codes", []Tensor{{Name: "a", Shape: []int{1}, Dtype: F8E4M3, Data: []float32{1}}}, `tensor "a": shape [1] has 1 elements, codes has 0`},
		{"data beside codes", []Tensor{{Name: "a", Shape: []int{1}, Dtype: F8E4M3, Codes: []fp8.E4M3{1}, Data: []float32{1}}}, `tensor "a": F8_E4M3 tensor with 1 elements in Data, want none`},
		{"codes beside data", []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}, Codes: []fp8.E4M3{1, 2}}}, `tensor "a": F32 tensor with 2 elements in Codes, want none`},
		{"unknown dtype", []Tensor{{Name: "a", Shape: []int{1}, Dtype: 7, Data: []float32{1}}}, `tensor "a": unknown Dtype(7)`},
		{"duplicate across dtypes", []Tensor{{Name: "a", Dtype: F8E4M3, Codes: []fp8.E4M3{1}}, {Name: "a", Data: []float32{2}}}, `tensor "a": duplicate name`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := WriteSafetensors(&buf, tt.tensors, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: WriteSafetensors = %v; want error containing %q", tt.name, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: WriteSafetensors wrote %d bytes before failing", tt.name, buf.Len())
		}
	}
}

func f8(name, shape, offsets string) string {
	return `"` + name + `":{"dtype":"F8_E4M3","shape":` + shape + `,"data_offsets":` + offsets + `}`
}

func TestReadHostileFP8(t *testing.T) {
	golden, err := os.ReadFile(goldenFP8Path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"F32-sized offsets", rawFile("{"+f8("a", "[3]", "[0,12]")+"}", 12), `tensor "a": shape [3] of F8_E4M3 needs 3 bytes, data_offsets [0, 12] hold 12`},
		{"short offsets", rawFile("{"+f8("a", "[2,2]", "[0,3]")+"}", 3), `tensor "a": shape [2 2] of F8_E4M3 needs 4 bytes, data_offsets [0, 3] hold 3`},
		{"F32 with F8-sized offsets", rawFile("{"+f32("a", "[3]", "[0,3]")+"}", 3), `tensor "a": shape [3] of F32 needs 12 bytes`},
		{"scalar", rawFile("{"+f8("a", "[]", "[0,2]")+"}", 2), `tensor "a": shape [] of F8_E4M3 needs 1 bytes`},
		{"overlap", rawFile("{"+f8("a", "[3]", "[0,3]")+","+f32("b", "[1]", "[2,6]")+"}", 6), `tensor "b": data_offsets [2, 6] overlap tensor "a" [0, 3]`},
		{"gap", rawFile("{"+f8("a", "[3]", "[0,3]")+","+f32("b", "[1]", "[4,8]")+"}", 8), `tensor "b": gap of 1 bytes`},
		{"trailing", rawFile("{"+f8("a", "[3]", "[0,3]")+"}", 4), "1 trailing bytes"},
		{"truncated", rawFile("{"+f8("a", "[5]", "[0,5]")+"}", 4), `tensor "a": data_offsets [0, 5] exceed the 4-byte data buffer (truncated?)`},
		{"overflow", rawFile("{"+f8("a", "[4294967296,4294967296]", "[0,1]")+"}", 1), `tensor "a": shape [4294967296 4294967296] overflows`},
		{"lower-case dtype", rawFile(`{"a":{"dtype":"f8_e4m3","shape":[1],"data_offsets":[0,1]}}`, 1), `tensor "a": unknown dtype "f8_e4m3" (this reader decodes F32, F8_E4M3)`},
		{"E5M2", rawFile(`{"a":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[0,1]}}`, 1), `tensor "a": unsupported dtype "F8_E5M2"`},
		{"e4m3fnuz spelling", rawFile(`{"a":{"dtype":"F8_E4M3FNUZ","shape":[1],"data_offsets":[0,1]}}`, 1), `unknown dtype "F8_E4M3FNUZ"`},
		{"golden cut", golden[:len(golden)-1], "data buffer (truncated?)"},
		{"golden plus a byte", append(slices.Clone(golden), 0), "1 trailing bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readErr(t, tt.file, int64(len(tt.file)))
			if err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadSafetensors(%q) = %v; want error containing %q", tt.file, err, tt.want)
			}
		})
	}
	// Odd but valid: empty and zero-size FP8 tensors, codes that are NaN (read raw, unchecked).
	file := rawFile("{"+f8("a", "[0,7]", "[0,0]")+","+f8("b", "[2]", "[0,2]")+"}", 2)
	file[len(file)-1] = 0xFF
	ts, _, err := ReadSafetensors(bytes.NewReader(file), int64(len(file)))
	if err != nil || len(ts) != 2 || ts[0].Dtype != F8E4M3 || len(ts[0].Codes) != 0 || !slices.Equal(ts[1].Codes, []fp8.E4M3{0, 0xFF}) {
		t.Errorf("ReadSafetensors(empty and NaN FP8 tensors) = %v, %v", ts, err)
	}
}

// modelLike is a stand-in for a model's weights: matrices, vectors, a scalar and a rank-3 tensor.
func modelLike(rng *rand.Rand) []Tensor {
	shapes := []struct {
		name  string
		shape []int
	}{
		{"tok_emb", []int{20, 128}}, {"layer0.ln1.g", []int{128}}, {"layer0.attn.qkv.w", []int{128, 384}},
		{"layer0.attn.qkv.b", []int{384}}, {"layer0.mlp.out.w", []int{512, 130}}, {"head.w", []int{128, 20}},
		{"temperature", []int{}}, {"conv", []int{2, 3, 4}}, {"empty", []int{0, 5}},
	}
	var ts []Tensor
	for _, s := range shapes {
		n := 1
		for _, d := range s.shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(rng.NormFloat64() * 0.02)
		}
		ts = append(ts, Tensor{Name: s.name, Shape: s.shape, Data: data})
	}
	return ts
}

func TestQuantizeWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	in := modelLike(rng)
	// Only the layers' matrices, as DeepSeek-V3 (and model.FP8Linear) choose: tok_emb, head.w
	// and the rank-3 and empty tensors stay as they are.
	layers, err := QuantizeWeights(in, fp8.DefaultBlock(), func(name string) bool { return strings.HasPrefix(name, "layer") })
	if err != nil {
		t.Fatalf("QuantizeWeights(layers only): %v", err)
	}
	var quantised []string
	for _, x := range layers {
		if x.Dtype == F8E4M3 {
			quantised = append(quantised, x.Name)
		}
	}
	if want := []string{"layer0.attn.qkv.w", "layer0.mlp.out.w"}; !slices.Equal(quantised, want) || len(layers) != len(in)+2 {
		t.Errorf("QuantizeWeights(layers only) quantised %v of %d tensors; want %v, %d tensors", quantised, len(layers), want, len(in)+2)
	}

	q, err := QuantizeWeights(in, fp8.DefaultBlock(), nil)
	if err != nil {
		t.Fatalf("QuantizeWeights: %v", err)
	}
	type rec struct {
		name  string
		dtype Dtype
		shape string
	}
	var got []rec
	for _, x := range q {
		shape, _ := json.Marshal(x.Shape)
		got = append(got, rec{x.Name, x.Dtype, string(shape)})
	}
	want := []rec{
		{"tok_emb", F8E4M3, "[20,128]"}, {"tok_emb_scale_inv", F32, "[1,1]"},
		{"layer0.ln1.g", F32, "[128]"},
		{"layer0.attn.qkv.w", F8E4M3, "[128,384]"}, {"layer0.attn.qkv.w_scale_inv", F32, "[1,3]"},
		{"layer0.attn.qkv.b", F32, "[384]"},
		{"layer0.mlp.out.w", F8E4M3, "[512,130]"}, {"layer0.mlp.out.w_scale_inv", F32, "[4,2]"},
		{"head.w", F8E4M3, "[128,20]"}, {"head.w_scale_inv", F32, "[1,1]"},
		{"temperature", F32, "[]"}, {"conv", F32, "[2,3,4]"},
		{"empty", F8E4M3, "[0,5]"}, {"empty_scale_inv", F32, "[0,1]"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("QuantizeWeights(model-like) =\n%v\nwant\n%v", got, want)
	}
	// Kept tensors share their data with the input.
	if &q[2].Data[0] != &in[1].Data[0] {
		t.Errorf("QuantizeWeights copied the kept tensor layer0.ln1.g")
	}

	// Through a file and back.
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, q, nil); err != nil {
		t.Fatalf("WriteSafetensors(quantized): %v", err)
	}
	read, _, err := ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("ReadSafetensors(quantized): %v", err)
	}
	deq, err := DequantizeWeights(read, fp8.DefaultBlock())
	if err != nil {
		t.Fatalf("DequantizeWeights: %v", err)
	}
	in = sortedByName(in)
	if len(deq) != len(in) {
		t.Fatalf("DequantizeWeights gave %d tensors; want %d", len(deq), len(in))
	}
	scales := make(map[string][]float32)
	for _, x := range read {
		if base, ok := strings.CutSuffix(x.Name, ScaleInvSuffix); ok {
			scales[base] = x.Data
		}
	}
	for i, x := range in {
		d := deq[i]
		if d.Name != x.Name || d.Dtype != F32 || !slices.Equal(d.Shape, x.Shape) || d.Codes != nil {
			t.Fatalf("DequantizeWeights[%d] = %s %v %v; want %s F32 %v", i, d.Name, d.Dtype, d.Shape, x.Name, x.Shape)
		}
		if len(x.Shape) == 2 {
			checkClose(t, x.Name, x.Data, d.Data, x.Shape, scales[x.Name], fp8.DefaultBlock())
		} else if !equalTensors(deq[i:i+1], in[i:i+1]) {
			t.Errorf("DequantizeWeights changed the F32 tensor %s", x.Name)
		}
	}
	// F8 bytes: 1 per matrix element plus 4 per block, against 4 per element.
	var f32Bytes, f8Bytes int
	for _, x := range in {
		f32Bytes += 4 * len(x.Data)
	}
	for _, x := range q {
		f8Bytes += 4*len(x.Data) + len(x.Codes)
	}
	t.Logf("model-like weights: %d bytes as F32, %d as FP8 + scales (%.3f)", f32Bytes, f8Bytes, float64(f8Bytes)/float64(f32Bytes))
}

func TestQuantizeWeightsErrors(t *testing.T) {
	m := func(name string, data ...float32) Tensor {
		return Tensor{Name: name, Shape: []int{2, len(data) / 2}, Data: data}
	}
	tests := []struct {
		name    string
		tensors []Tensor
		b       fp8.Block
		want    string
	}{
		{"scale name taken", []Tensor{m("w", 1, 2), {Name: "w_scale_inv", Shape: []int{1}, Data: []float32{1}}}, fp8.DefaultBlock(),
			`checkpoints: quantize weights: tensor "w": its scales' name "w_scale_inv" is taken by another tensor`},
		{"duplicate", []Tensor{m("w", 1, 2), m("w", 3, 4)}, fp8.DefaultBlock(), `tensor "w": duplicate name`},
		{"NaN", []Tensor{m("b", 1, 2), m("w", 1, 2, float32(math.NaN()), 4)}, fp8.DefaultBlock(),
			`checkpoints: quantize tensor "w": fp8: quantize: x[1, 0] is NaN`},
		{"Inf", []Tensor{m("w", float32(math.Inf(-1)), 2)}, fp8.DefaultBlock(), `tensor "w": fp8: quantize: x[0, 0] is -Inf`},
		{"length", []Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1}}}, fp8.DefaultBlock(), `tensor "w": fp8: quantize: shape [2, 2] has 4 elements, x has 1`},
		{"block", []Tensor{m("w", 1, 2)}, fp8.Block{Rows: 128}, `tensor "w": fp8: quantize: block 128×0: sizes must be positive`},
	}
	for _, tt := range tests {
		q, err := QuantizeWeights(tt.tensors, tt.b, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || q != nil {
			t.Errorf("%s: QuantizeWeights = %v, %v; want error containing %q", tt.name, q, err, tt.want)
		}
	}
	// Vectors quantise on request (QuantizeTensor), scalars and FP8 tensors do not.
	c, s, err := QuantizeTensor(Tensor{Name: "v", Shape: []int{300}, Data: make([]float32, 300)}, fp8.DefaultBlock())
	if err != nil || c.Dtype != F8E4M3 || len(c.Codes) != 300 || s.Name != "v_scale_inv" || !slices.Equal(s.Shape, []int{3}) || !slices.Equal(s.Data, []float32{1, 1, 1}) {
		t.Errorf("QuantizeTensor(zero vector of 300) = %v, %v, %v", c, s, err)
	}
	if _, _, err := QuantizeTensor(Tensor{Name: "s", Data: []float32{1}}, fp8.DefaultBlock()); err == nil || !strings.Contains(err.Error(), `quantize tensor "s": fp8: shape [] has rank 0`) {
		t.Errorf("QuantizeTensor(scalar) = %v; want rank error", err)
	}
	if _, _, err := QuantizeTensor(c, fp8.DefaultBlock()); err == nil || !strings.Contains(err.Error(), "dtype F8_E4M3, want F32") {
		t.Errorf("QuantizeTensor(FP8 tensor) = %v; want dtype error", err)
	}
}

func TestDequantizeWeightsErrors(t *testing.T) {
	codes := func(name string, shape []int, cs ...fp8.E4M3) Tensor {
		return Tensor{Name: name, Shape: shape, Dtype: F8E4M3, Codes: cs}
	}
	scales := func(name string, shape []int, s ...float32) Tensor {
		return Tensor{Name: name, Shape: shape, Data: s}
	}
	w := codes("w", []int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := fp8.Block{Rows: 1, Cols: 2}
	tests := []struct {
		name    string
		tensors []Tensor
		b       fp8.Block
		want    string
	}{
		{"missing scales", []Tensor{w}, b, `checkpoints: dequantize weights: F8_E4M3 tensor "w" has no scales "w_scale_inv"`},
		{"scales misnamed", []Tensor{w, scales("w.scale_inv", []int{2, 2}, 1, 1, 1, 1)}, b, `has no scales "w_scale_inv"`},
		{"scales FP8", []Tensor{w, codes("w_scale_inv", []int{2, 2}, 1, 1, 1, 1)}, b,
			`checkpoints: dequantize weights: F8_E4M3 tensor "w": scales "w_scale_inv" have dtype F8_E4M3, want F32`},
		{"scales shape", []Tensor{w, scales("w_scale_inv", []int{4}, 1, 1, 1, 1)}, b,
			`tensor "w": scales "w_scale_inv" have shape [4], want [2 2] for shape [2 3] in 1×2 blocks`},
		{"other block", []Tensor{w, scales("w_scale_inv", []int{2, 2}, 1, 1, 1, 1)}, fp8.DefaultBlock(),
			`scales "w_scale_inv" have shape [2 2], want [1 1] for shape [2 3] in 128×128 blocks`},
		{"bad block", []Tensor{w, scales("w_scale_inv", []int{2, 2}, 1, 1, 1, 1)}, fp8.Block{}, `tensor "w": block 0×0: sizes must be positive`},
		{"NaN code", []Tensor{codes("w", []int{2, 3}, 1, 2, 3, 4, 0xFF, 6), scales("w_scale_inv", []int{2, 2}, 1, 1, 1, 1)}, b,
			`tensor "w": fp8: dequantize: codes[1, 1] is NaN (0xff)`},
		{"negative scale", []Tensor{w, scales("w_scale_inv", []int{2, 2}, 1, 1, -1, 1)}, b, `fp8: dequantize: scaleInv[1, 0] is -1`},
		{"Inf scale", []Tensor{w, scales("w_scale_inv", []int{2, 2}, 1, float32(math.Inf(1)), 1, 1)}, b, `scaleInv[0, 1] is +Inf`},
		{"rank 3", []Tensor{codes("w", []int{1, 1, 1}, 1), scales("w_scale_inv", []int{1, 1}, 1)}, b, `tensor "w": fp8: shape [1 1 1] has rank 3`},
		{"rank 0", []Tensor{codes("w", nil, 1), scales("w_scale_inv", []int{1, 1}, 1)}, b, `has rank 0`},
		{"codes length", []Tensor{codes("w", []int{2, 3}, 1), scales("w_scale_inv", []int{2, 2}, 1, 1, 1, 1)}, b, `shape [2, 3] has 6 elements, codes has 1`},
		{"scales length", []Tensor{w, scales("w_scale_inv", []int{2, 2}, 1)}, b, `scaleInv has 1 values, want 2×2 = 4`},
		{"duplicate", []Tensor{w, w}, b, `tensor "w": duplicate name`},
	}
	for _, tt := range tests {
		d, err := DequantizeWeights(tt.tensors, tt.b)
		if err == nil || !strings.Contains(err.Error(), tt.want) || d != nil {
			t.Errorf("%s: DequantizeWeights = %v, %v; want error containing %q", tt.name, d, err, tt.want)
		}
	}
	// An F32 tensor named like scales, with no FP8 tensor of its base name, is an ordinary tensor;
	// so is everything else that is F32.
	in := []Tensor{scales("x_scale_inv", []int{1}, 5), w, scales("b", []int{2}, 1, 2), scales("w_scale_inv", []int{2, 2}, 1, 0.5, 2, 0)}
	d, err := DequantizeWeights(in, b)
	want := []Tensor{in[0], {Name: "w", Shape: []int{2, 3}, Data: []float32{
		fp8.E4M3(1).Float32(), fp8.E4M3(2).Float32(), fp8.E4M3(3).Float32() * 0.5,
		fp8.E4M3(4).Float32() * 2, fp8.E4M3(5).Float32() * 2, 0,
	}}, in[2]}
	if err != nil || !equalTensors(d, want) {
		t.Errorf("DequantizeWeights(%v) = %v, %v; want %v", in, d, err, want)
	}
}

// TestSaveLoadFP8: a checkpoint whose weights are in FP8 form saves, loads and dequantises.
func TestSaveLoadFP8(t *testing.T) {
	weights := goldenFP8Weights()
	q, err := QuantizeWeights(weights, fp8.DefaultBlock(), nil)
	if err != nil {
		t.Fatal(err)
	}
	run := t.TempDir()
	if _, err := Save(run, &Checkpoint{Step: 3, Weights: q}); err != nil {
		t.Fatalf("Save(FP8 weights): %v", err)
	}
	ck, err := Load(run)
	if err != nil {
		t.Fatalf("Load(FP8 weights): %v", err)
	}
	if !equalTensors(ck.Weights, sortedByName(q)) {
		t.Fatalf("Load(FP8 weights) = %v; want %v", ck.Weights, sortedByName(q))
	}
	deq, err := DequantizeWeights(ck.Weights, fp8.DefaultBlock())
	if err != nil {
		t.Fatalf("DequantizeWeights(loaded): %v", err)
	}
	if len(deq) != len(weights) {
		t.Fatalf("DequantizeWeights(loaded) gave %d tensors; want %d", len(deq), len(weights))
	}
}
