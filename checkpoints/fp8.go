package checkpoints

import (
	"fmt"
	"slices"

	"mathzero/fp8"
)

// ScaleInvSuffix ends the name of the F32 tensor that holds an FP8 tensor's block scales, as in
// DeepSeek-V3's checkpoints: the codes of "layer0.mlp.fc.w" are stored with the scales
// "layer0.mlp.fc.w_scale_inv", and value = code · scale_inv blockwise (see package fp8).
const ScaleInvSuffix = "_scale_inv"

// QuantizeTensor returns the FP8 pair of the F32 tensor t, block-quantised with block b
// (fp8.DefaultBlock() is DeepSeek-V3's 128 × 128):
//
//	codes     Name, F8E4M3, Shape, Codes = fp8.Quantize(t.Data)
//	scaleInv  Name+ScaleInvSuffix, F32, Shape [ceil(rows/b.Rows), ceil(cols/b.Cols)], Data = the scales
//
// t must have rank 2, or rank 1 (a vector, quantised as [1, n], whose scaleInv then has Shape
// [ceil(n/b.Cols)]), and finite values.
func QuantizeTensor(t Tensor, b fp8.Block) (codes, scaleInv Tensor, err error) {
	fail := func(err error) (Tensor, Tensor, error) {
		return Tensor{}, Tensor{}, fmt.Errorf("checkpoints: quantize tensor %q: %w", t.Name, err)
	}
	if t.Dtype != F32 {
		return fail(fmt.Errorf("dtype %v, want F32", t.Dtype))
	}
	rows, cols, err := fp8.MatrixShape(t.Shape)
	if err != nil {
		return fail(err)
	}
	c, s, err := fp8.Quantize(t.Data, rows, cols, b)
	if err != nil {
		return fail(err)
	}
	codes = Tensor{Name: t.Name, Shape: cloneShape(t.Shape), Dtype: F8E4M3, Codes: c}
	scaleInv = Tensor{Name: t.Name + ScaleInvSuffix, Shape: scaleShape(t.Shape, b), Data: s}
	return codes, scaleInv, nil
}

// cloneShape copies shape, keeping a non-nil empty shape non-nil.
func cloneShape(shape []int) []int { return append(make([]int, 0, len(shape)), shape...) }

// scaleShape is the shape of the scaleInv tensor of a rank-1 or rank-2 tensor of shape shape.
func scaleShape(shape []int, b fp8.Block) []int {
	if len(shape) == 1 {
		_, sc := b.ScaleShape(1, shape[0])
		return []int{sc}
	}
	sr, sc := b.ScaleShape(shape[0], shape[1])
	return []int{sr, sc}
}

// DequantizeTensor is the inverse of QuantizeTensor: it returns the F32 tensor named codes.Name
// with Data[i, j] = code[i, j] · scaleInv[i/b.Rows, j/b.Cols] (float32 product). codes must be an
// F8E4M3 tensor of rank 1 or 2 without NaN codes, and scaleInv an F32 tensor of the shape
// QuantizeTensor gives for codes.Shape and b, with finite, non-negative values; the block size is
// not stored in the file, so b must be the one the tensor was quantised with.
func DequantizeTensor(codes, scaleInv Tensor, b fp8.Block) (Tensor, error) {
	fail := func(err error) (Tensor, error) {
		return Tensor{}, fmt.Errorf("checkpoints: dequantize tensor %q: %w", codes.Name, err)
	}
	if codes.Dtype != F8E4M3 {
		return fail(fmt.Errorf("dtype %v, want F8_E4M3", codes.Dtype))
	}
	if scaleInv.Dtype != F32 {
		return fail(fmt.Errorf("scales %q have dtype %v, want F32", scaleInv.Name, scaleInv.Dtype))
	}
	rows, cols, err := fp8.MatrixShape(codes.Shape)
	if err != nil {
		return fail(err)
	}
	if b.Rows <= 0 || b.Cols <= 0 {
		return fail(fmt.Errorf("block %d×%d: sizes must be positive", b.Rows, b.Cols))
	}
	if want := scaleShape(codes.Shape, b); !slices.Equal(scaleInv.Shape, want) {
		return fail(fmt.Errorf("scales %q have shape %v, want %v for shape %v in %d×%d blocks",
			scaleInv.Name, scaleInv.Shape, want, codes.Shape, b.Rows, b.Cols))
	}
	x, err := fp8.Dequantize(codes.Codes, scaleInv.Data, rows, cols, b)
	if err != nil {
		return fail(err)
	}
	return Tensor{Name: codes.Name, Shape: cloneShape(codes.Shape), Data: x}, nil
}

// QuantizeWeights returns the FP8 checkpoint form of tensors: each F32 tensor of rank 2 that
// which accepts (nil accepts every one) becomes the pair QuantizeTensor gives, the codes in its
// place and Name+ScaleInvSuffix right after it; every other tensor (the matrices which rejects,
// biases, LayerNorm gains and other vectors, scalars, higher ranks, FP8 tensors) is kept as it
// is, sharing its slices with the input. DeepSeek-V3 quantises its linear layers' weights and
// keeps embeddings and the output head in BF16 (model.FP8Linear says which tensors those are
// for mathzero's policy). Write the result with WriteSafetensors (or as Checkpoint.Weights);
// DequantizeWeights with the same b inverts it up to FP8 rounding.
//
// It fails if a quantised tensor's scale name is taken by another tensor, or if a matrix holds
// NaN or ±Inf (the error names the tensor and the element).
func QuantizeWeights(tensors []Tensor, b fp8.Block, which func(name string) bool) ([]Tensor, error) {
	names := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		if names[t.Name] {
			return nil, fmt.Errorf("checkpoints: quantize weights: tensor %q: duplicate name", t.Name)
		}
		names[t.Name] = true
	}
	out := make([]Tensor, 0, len(tensors)+len(tensors)/2)
	for _, t := range tensors {
		if t.Dtype != F32 || len(t.Shape) != 2 || (which != nil && !which(t.Name)) {
			out = append(out, t)
			continue
		}
		if names[t.Name+ScaleInvSuffix] {
			return nil, fmt.Errorf("checkpoints: quantize weights: tensor %q: its scales' name %q is taken by another tensor", t.Name, t.Name+ScaleInvSuffix)
		}
		codes, scaleInv, err := QuantizeTensor(t, b)
		if err != nil {
			return nil, err
		}
		out = append(out, codes, scaleInv)
	}
	return out, nil
}

// DequantizeWeights returns tensors with every F8E4M3 tensor replaced by its F32 values:
// DequantizeTensor of it and the F32 tensor named Name+ScaleInvSuffix, which must be present and
// is dropped from the result. Other tensors are kept as they are, in order, sharing their slices
// with the input; an F32 tensor whose name ends in ScaleInvSuffix but belongs to no FP8 tensor is
// an ordinary tensor. b must be the block the weights were quantised with (fp8.DefaultBlock()
// for QuantizeWeights(…, fp8.DefaultBlock()) and for DeepSeek-V3's checkpoints). The result holds
// only F32 tensors, as a checkpoint written in F32 would.
func DequantizeWeights(tensors []Tensor, b fp8.Block) ([]Tensor, error) {
	byName := make(map[string]int, len(tensors))
	for i, t := range tensors {
		if _, dup := byName[t.Name]; dup {
			return nil, fmt.Errorf("checkpoints: dequantize weights: tensor %q: duplicate name", t.Name)
		}
		byName[t.Name] = i
	}
	consumed := make([]bool, len(tensors))
	for _, t := range tensors {
		if t.Dtype != F8E4M3 {
			continue
		}
		j, ok := byName[t.Name+ScaleInvSuffix]
		if !ok {
			return nil, fmt.Errorf("checkpoints: dequantize weights: F8_E4M3 tensor %q has no scales %q", t.Name, t.Name+ScaleInvSuffix)
		}
		if tensors[j].Dtype != F32 {
			return nil, fmt.Errorf("checkpoints: dequantize weights: F8_E4M3 tensor %q: scales %q have dtype %v, want F32", t.Name, tensors[j].Name, tensors[j].Dtype)
		}
		consumed[j] = true
	}
	out := make([]Tensor, 0, len(tensors))
	for i, t := range tensors {
		switch {
		case t.Dtype == F8E4M3:
			x, err := DequantizeTensor(t, tensors[byName[t.Name+ScaleInvSuffix]], b)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		case consumed[i]:
			// the scales of an FP8 tensor, used above
		default:
			out = append(out, t)
		}
	}
	return out, nil
}
