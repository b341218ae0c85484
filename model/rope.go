package model

// Rotary position embedding (Su et al. 2021, "RoFormer: Enhanced Transformer with Rotary Position
// Embedding"), in the rotate_half form of GPT-NeoX and Hugging Face's Llama, which pairs
// coordinate i of a head with coordinate i + d/2 (rather than 2i with 2i+1, as the paper writes
// it), so that a policy trained here loads there without permuting qkv's columns.
//
// For a head vector x of dimension d at position t, and i in [0, d/2), θ_i = 10000^(−2i/d):
//
//	(R_t x)[i]     = x[i]·cos(tθ_i) − x[i+d/2]·sin(tθ_i)
//	(R_t x)[i+d/2] = x[i+d/2]·cos(tθ_i) + x[i]·sin(tθ_i)
//
// R_t is a rotation by the angle tθ_i in each plane (i, i+d/2), so R_tᵀ = R_{−t} and
// R_tᵀ R_s = R_{s−t}: (R_t q)·(R_s k) = q·R_{s−t} k depends on t and s only through s − t. It is
// applied to each head's slice of q and of k (not v) after the qkv linear layer, by the Sampler
// before it caches keys (so its cache holds rotated keys) and by the Graph's ropeOp; both read
// cos and sin from a ropeTable.
//
// Backward: R_t is linear, so d(input) = R_tᵀ d(output) = R_{−t} d(output), the same rotation with
// sin negated, for q and k; v's gradient passes through.

import (
	"errors"
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ropeBase is the default base of the rotary frequencies, θ_i = base^(−2i/d): RoFormer's, and the
// rope_theta of Hugging Face's Llama configs by default.
const ropeBase = 10000

// ropeTable holds cos(tθ_i) and sin(tθ_i) for positions t in [0, n) and i in [0, half), half =
// d/2, row-major by position. The angles are computed in float64, then stored as float32.
type ropeTable struct {
	n, d     int
	base     float64 // as configured: 0 means ropeBase
	cos, sin []float32
}

// newRopeTable returns the table for n positions of head dimension d (even) and frequency base
// (ropeBase if base is 0).
func newRopeTable(n, d int, configured float64) *ropeTable {
	base := configured
	if base == 0 {
		base = ropeBase
	}
	half := d / 2
	tb := &ropeTable{n: n, d: d, base: configured, cos: make([]float32, n*half), sin: make([]float32, n*half)}
	for i := 0; i < half; i++ {
		theta := math.Pow(base, -2*float64(i)/float64(d))
		for t := 0; t < n; t++ {
			a := float64(t) * theta
			tb.cos[t*half+i] = float32(math.Cos(a))
			tb.sin[t*half+i] = float32(math.Sin(a))
		}
	}
	return tb
}

// rotate applies R_t to the head vector x (length d) in place, or R_{−t} = R_tᵀ when inverse.
func (tb *ropeTable) rotate(x []float32, t int, inverse bool) {
	half := tb.d / 2
	x = x[:tb.d]
	lo, hi := x[:half], x[half:]
	cos, sin := tb.cos[t*half:(t+1)*half], tb.sin[t*half:(t+1)*half]
	for i, c := range cos {
		s := sin[i]
		if inverse {
			s = -s
		}
		a, b := lo[i], hi[i]
		lo[i] = a*c - b*s
		hi[i] = b*c + a*s
	}
}

// rotateQK rotates every head's q and k of one row of qkv (width 3D: q, k, v) to position t, or
// back from it when inverse. v, columns [2D, 3D), is left alone.
func (tb *ropeTable) rotateQK(row []float32, D, t int, inverse bool) {
	for o := 0; o < 2*D; o += tb.d {
		tb.rotate(row[o:o+tb.d], t, inverse)
	}
}

// --- The graph's rotary embedding: (N, 3D) q|k|v -> (N, 3D) -------------------------------------
//
// Row r = b·T + t has every head's q and k rotated to position t = r mod T, v copied. With
// inverse set it rotates by −t instead: that is the gradient, and the gradient of the inverse is
// the forward op again.

type ropeOp struct {
	baseOp
	seqLen, heads int
	inverse       bool
	tab           *ropeTable // at least seqLen positions, head dimension D/heads
}

func (ropeOp) Arity() int    { return 1 }
func (ropeOp) Type() hm.Type { return hm.NewFnType(mat, mat) }
func (o ropeOp) String() string {
	return fmt.Sprintf("rope(T=%d,H=%d,inverse=%v)", o.seqLen, o.heads, o.inverse)
}
func (o ropeOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o ropeOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o ropeOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	if len(s) != 2 || s[1]%3 != 0 || (s[1]/3)%o.heads != 0 || s[1]/3/o.heads != o.tab.d || s[0]%o.seqLen != 0 || o.seqLen > o.tab.n {
		return nil, fmt.Errorf("model: %v: input shape %v for a table of %d positions of dimension %d", o, s, o.tab.n, o.tab.d)
	}
	return s.Clone(), nil
}

func (o ropeOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(1, vs)
	if err != nil {
		return nil, err
	}
	x := d[0]
	N, W := s[0][0], s[0][1]
	t, y := o.out(false, s[0]...)
	copy(y, x)
	parallel(N, grainRows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o.tab.rotateQK(y[r*W:(r+1)*W], W/3, r%o.seqLen, o.inverse)
		}
	})
	return t, nil
}

func (o ropeOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(in) != 1 {
		return nil, errors.New("model: rope: want one input")
	}
	back := o
	back.baseOp = newBase()
	back.inverse = !o.inverse
	dx, err := gorgonia.ApplyOp(back, grad)
	return gorgonia.Nodes{dx}, err
}
