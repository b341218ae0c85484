package model

// Fused gorgonia ops for the training graph: LayerNorm, linear layers, GELU and causal attention,
// each with its forward pass and its derivative written side by side in plain Go.
//
// Why: composed from gorgonia's primitives, one training step spent most of its time copying
// (every element-wise op clones its input, every broadcast materialises the repeated tensor; the
// project's notes measured memmove at a quarter of the step). Fusing cut a 512 × 11 step from
// about 7 s to 1.5 s with gonum's BLAS. The gradients are checked against finite differences of
// the slow reference model in graph_test.go, like everything else in the graph.
//
// The composed attention also met a gorgonia v0.9.18 bug worth knowing about anywhere gorgonia is
// used: sliceOp.WriteHash writes a slice's start and end truncated to a byte, and the graph
// deduplicates nodes by hash, so with D = 128 Slice(qkv, nil, S(256, 384)) hashed like
// Slice(qkv, nil, S(0, 128)) and v silently became q (caught by the default-config agreement
// test; slices whose bounds agree modulo 256 on the same node collide).
//
// Matrix products go through internal/kernel's Sgemm, which serves
// the graph and the Sampler alike.

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
	"mathzero/internal/kernel"
)

// Types for the ops' signatures: a is the element type, shared by all inputs.
var (
	tvA = hm.TypeVariable('a')
	mat = gorgonia.TensorType{Dims: 2, Of: tvA}
	vec = gorgonia.TensorType{Dims: 1, Of: tvA}
)

// baseOp holds what the fused ops have in common: they call no external device, never overwrite
// an input, and are identified (for gorgonia's hashing and deduplication of equal subexpressions)
// by their String, which must spell out every parameter. Each node's op owns an output buffer
// that it reuses from run to run (see out).
type baseOp struct{ buf *outBuf }

func newBase() baseOp { return baseOp{buf: new(outBuf)} }

func (baseOp) ReturnsPtr() bool        { return false }
func (baseOp) CallsExtern() bool       { return false }
func (baseOp) OverwritesInput() int    { return -1 }
func (baseOp) DiffWRT(n int) []bool    { return trues(n) }
func hashString(h hash.Hash, s string) { fmt.Fprint(h, "mathzero/model.", s) }
func hashOf(s string) uint32 {
	h := fnv.New32a()
	hashString(h, s)
	return h.Sum32()
}

// outBuf is the backing array an op writes its output into, run after run. Allocating afresh
// made 176 MB of garbage per 512 × 11 training step and cost about 7% of it. Reuse is safe
// in a TapeMachine: each run recomputes every node in the same order, so whatever last held the
// buffer (this node's value, or a later node's that gorgonia placed there in its register reuse)
// is dead by the time this node runs again; and gradients reach the weights by being added into
// their own buffers, never by aliasing.
type outBuf struct{ data []float32 }

// out returns an output tensor of the given shape over the op's buffer, zeroed if zero is set
// (otherwise holding stale values the op must overwrite).
func (o baseOp) out(zero bool, shape ...int) (*tensor.Dense, []float32) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	var data []float32
	switch {
	case o.buf == nil:
		data = make([]float32, n)
	case len(o.buf.data) == n:
		data = o.buf.data
		if zero {
			clear(data)
		}
	default:
		o.buf.data = make([]float32, n)
		data = o.buf.data
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data)), data
}

func trues(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = true
	}
	return b
}

// Grains below which parallel runs its function on one goroutine. They are variables so that
// tests can force the parallel path on small inputs.
var (
	grainElems = 1 << 14 // elements, for element-wise ops
	grainRows  = 256     // rows, for LayerNorm and the Sampler's attention
	grainSeqs  = 16      // sequences, for the graph's attention
)

// parallel calls fn on consecutive parts of [0, n) on up to GOMAXPROCS goroutines (at most 8), or
// on the whole range at once when n < grain, so that the element-wise and per-row work uses the
// cores the BLAS uses for the matrix products. (Its gain is unmeasured: the shared 2-core machine
// it was written on never had a core to spare.)
func parallel(n, grain int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p == 1 || n < grain {
		fn(0, n)
		return
	}
	p = min(p, n/max(grain/4, 1), 8)
	var wg sync.WaitGroup
	for i := 0; i < p; i++ {
		lo, hi := i*n/p, (i+1)*n/p
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// f32 returns the float32 data of a value, contiguous and in row-major order.
func f32(v gorgonia.Value) ([]float32, tensor.Shape, error) {
	t, ok := v.(*tensor.Dense)
	if !ok {
		return nil, nil, fmt.Errorf("model: fused op: got %T, want *tensor.Dense", v)
	}
	if t.RequiresIterator() {
		t = t.Materialize().(*tensor.Dense)
	}
	d, ok := t.Data().([]float32)
	if !ok {
		return nil, nil, fmt.Errorf("model: fused op: got %v data, want float32", t.Dtype())
	}
	if len(d) != t.Shape().TotalSize() {
		return nil, nil, fmt.Errorf("model: fused op: %d values for shape %v", len(d), t.Shape())
	}
	return d, t.Shape(), nil
}

// inputs unpacks n float32 values.
func inputs(n int, vs []gorgonia.Value) ([][]float32, []tensor.Shape, error) {
	if len(vs) != n {
		return nil, nil, fmt.Errorf("model: fused op: %d inputs, want %d", len(vs), n)
	}
	data := make([][]float32, n)
	shapes := make([]tensor.Shape, n)
	for i, v := range vs {
		var err error
		if data[i], shapes[i], err = f32(v); err != nil {
			return nil, nil, err
		}
	}
	return data, shapes, nil
}

func shapeOf(d gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := d.(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("model: fused op: shape %v is %T", d, d)
	}
	return s, nil
}

// --- Linear: y = x @ W + b, or y = r + x @ W + b with a residual input r ------------------------
//
// dx = dy @ Wᵀ, dW = xᵀ @ dy, db = Σ_rows dy, dr = dy. Taking the residual in saves the residual
// stream a separate addition node, which gorgonia would compute into a fresh tensor every run.

type linearOp struct {
	baseOp
	residual bool
}

func (o linearOp) Arity() int {
	if o.residual {
		return 4
	}
	return 3
}

func (o linearOp) Type() hm.Type {
	if o.residual {
		return hm.NewFnType(mat, mat, vec, mat, mat)
	}
	return hm.NewFnType(mat, mat, vec, mat)
}

func (o linearOp) String() string {
	if o.residual {
		return "linear+residual"
	}
	return "linear"
}
func (o linearOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o linearOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o linearOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	x, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	w, err := shapeOf(in[1])
	if err != nil {
		return nil, err
	}
	if len(x) != 2 || len(w) != 2 || x[1] != w[0] {
		return nil, fmt.Errorf("model: %v: shapes %v @ %v", o, x, w)
	}
	if o.residual {
		r, err := shapeOf(in[3])
		if err != nil {
			return nil, err
		}
		if len(r) != 2 || r[0] != x[0] || r[1] != w[1] {
			return nil, fmt.Errorf("model: %v: residual shape %v for %v @ %v", o, r, x, w)
		}
	}
	return tensor.Shape{x[0], w[1]}, nil
}

func (o linearOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(o.Arity(), vs)
	if err != nil {
		return nil, err
	}
	n, in, out := s[0][0], s[0][1], s[1][1]
	t, y := o.out(false, n, out)
	if o.residual {
		copy(y, d[3])
	}
	linear(y, d[0], n, in, out, d[1], d[2], o.residual)
	return t, nil
}

func (o linearOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(matMulOp{baseOp: newBase(), transB: true}, grad, in[1])
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(matMulOp{baseOp: newBase(), transA: true}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := gorgonia.Sum(grad, 0)
	if err != nil {
		return nil, err
	}
	if o.residual {
		return gorgonia.Nodes{dx, dw, db, grad}, nil
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

// matMulOp is op(a) @ op(b), op transposing when asked: the linear layer's gradients.
type matMulOp struct {
	baseOp
	transA, transB bool
}

func (matMulOp) Arity() int    { return 2 }
func (matMulOp) Type() hm.Type { return hm.NewFnType(mat, mat, mat) }
func (o matMulOp) String() string {
	return fmt.Sprintf("matmul(transA=%v,transB=%v)", o.transA, o.transB)
}
func (o matMulOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o matMulOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o matMulOp) dims(a, b tensor.Shape) (m, k, n int, err error) {
	if len(a) != 2 || len(b) != 2 {
		return 0, 0, 0, fmt.Errorf("model: %v: shapes %v, %v", o, a, b)
	}
	m, k = a[0], a[1]
	if o.transA {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if o.transB {
		kb, n = n, kb
	}
	if k != kb {
		return 0, 0, 0, fmt.Errorf("model: %v: shapes %v, %v", o, a, b)
	}
	return m, k, n, nil
}

func (o matMulOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	a, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	b, err := shapeOf(in[1])
	if err != nil {
		return nil, err
	}
	m, _, n, err := o.dims(a, b)
	return tensor.Shape{m, n}, err
}

func (o matMulOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(2, vs)
	if err != nil {
		return nil, err
	}
	m, _, n, err := o.dims(s[0], s[1])
	if err != nil {
		return nil, err
	}
	t, c := o.out(false, m, n)
	ta, tb := blas.NoTrans, blas.NoTrans
	if o.transA {
		ta = blas.Trans
	}
	if o.transB {
		tb = blas.Trans
	}
	k := s[0][1]
	if o.transA {
		k = s[0][0]
	}
	gemm.Sgemm(ta, tb, m, n, k, 1, d[0], s[0][1], d[1], s[1][1], 0, c, n)
	return t, nil
}

func (matMulOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: the linear layer's gradient is not differentiable again")
}

// --- GELU then linear, with a residual: y = r + GELU(u) @ W + b -----------------------------------
//
// GELU(u) = u/2 · (1 + tanh(c (u + a u³))) = u σ(z) with z = 2c (u + a u³), so
// GELU'(u) = σ(z) + u σ(z)(1 - σ(z)) · 2c (1 + 3a u²) (internal/kernel's GELU and GELUGrad, as in
// the Sampler). Backward:
//
//	du = (dy @ Wᵀ) ⊙ GELU'(u),  dW = GELU(u)ᵀ @ dy,  db = Σ_rows dy,  dr = dy.
//
// Why fused: GELU(u) is an (N, F) matrix, the largest in the graph, needed only as the product's
// input. Here it lives in a scratch buffer that all of a graph's geluLinear ops share (they run
// one at a time) and is recomputed for dW, which costs a vectorised GELU pass instead of holding
// one (N, F) matrix per layer from forward to backward; du is computed in place over dy @ Wᵀ
// instead of into a second (N, F) matrix. Together that saves three (N, F) matrices per layer
// (about 31 MB at 512 × 10), with the same products as before.

type geluLinearOp struct {
	baseOp
	f *outBuf // shared scratch for GELU(u)
}

func (geluLinearOp) Arity() int              { return 4 }
func (geluLinearOp) Type() hm.Type           { return hm.NewFnType(mat, mat, vec, mat, mat) }
func (geluLinearOp) String() string          { return "gelu-linear+residual" }
func (o geluLinearOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o geluLinearOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o geluLinearOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return linearOp{residual: true}.InferShape(in...)
}

// geluInto writes GELU(u) into the shared scratch f and returns it.
func geluInto(f *outBuf, u []float32) []float32 {
	if len(f.data) < len(u) {
		f.data = make([]float32, len(u))
	}
	y := f.data[:len(u)]
	parallel(len(y), grainElems, func(lo, hi int) { kernel.GELU(y[lo:hi], u[lo:hi]) })
	return y
}

func (o geluLinearOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(4, vs)
	if err != nil {
		return nil, err
	}
	n, in, out := s[0][0], s[0][1], s[1][1]
	f := geluInto(o.f, d[0])
	t, y := o.out(false, n, out)
	copy(y, d[3])
	linear(y, f, n, in, out, d[1], d[2], true)
	return t, nil
}

func (o geluLinearOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	du, err := gorgonia.ApplyOp(geluLinearGradUOp{newBase()}, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := gorgonia.ApplyOp(geluLinearGradWOp{baseOp: newBase(), f: o.f}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := gorgonia.Sum(grad, 0)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{du, dw, db, grad}, nil
}

// geluLinearGradUOp is du = (dy @ Wᵀ) ⊙ GELU'(u) for inputs (u, W, dy).
type geluLinearGradUOp struct{ baseOp }

func (geluLinearGradUOp) Arity() int              { return 3 }
func (geluLinearGradUOp) Type() hm.Type           { return hm.NewFnType(mat, mat, mat, mat) }
func (geluLinearGradUOp) String() string          { return "gelu-linear'u" }
func (o geluLinearGradUOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o geluLinearGradUOp) Hashcode() uint32      { return hashOf(o.String()) }
func (geluLinearGradUOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	return s.Clone(), err
}

func (o geluLinearGradUOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(3, vs)
	if err != nil {
		return nil, err
	}
	u, w, dy := d[0], d[1], d[2]
	n, f := s[0][0], s[0][1]
	if s[1][0] != f || s[2][0] != n || s[2][1] != s[1][1] {
		return nil, fmt.Errorf("model: %v: shapes %v, %v, %v", o, s[0], s[1], s[2])
	}
	D := s[1][1]
	t, du := o.out(false, n, f)
	gemm.Sgemm(blas.NoTrans, blas.Trans, n, f, D, 1, dy, D, w, D, 0, du, f)
	parallel(len(du), grainElems, func(lo, hi int) { kernel.GELUGrad(du[lo:hi], u[lo:hi], du[lo:hi]) })
	return t, nil
}

func (geluLinearGradUOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: GELU's gradient is not differentiable again")
}

// geluLinearGradWOp is dW = GELU(u)ᵀ @ dy for inputs (u, dy).
type geluLinearGradWOp struct {
	baseOp
	f *outBuf
}

func (geluLinearGradWOp) Arity() int              { return 2 }
func (geluLinearGradWOp) Type() hm.Type           { return hm.NewFnType(mat, mat, mat) }
func (geluLinearGradWOp) String() string          { return "gelu-linear'w" }
func (o geluLinearGradWOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o geluLinearGradWOp) Hashcode() uint32      { return hashOf(o.String()) }
func (geluLinearGradWOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	u, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	dy, err := shapeOf(in[1])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{u[1], dy[1]}, nil
}

func (o geluLinearGradWOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(2, vs)
	if err != nil {
		return nil, err
	}
	n, F, D := s[0][0], s[0][1], s[1][1]
	if s[1][0] != n {
		return nil, fmt.Errorf("model: %v: shapes %v, %v", o, s[0], s[1])
	}
	f := geluInto(o.f, d[0])
	t, dw := o.out(false, F, D)
	gemm.Sgemm(blas.Trans, blas.NoTrans, F, D, n, 1, f, F, d[1], D, 0, dw, D)
	return t, nil
}

func (geluLinearGradWOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: the linear layer's gradient is not differentiable again")
}

// --- Embedding: x_r = tok_emb[ids_r] + pos_emb[r mod T] ------------------------------------------
//
// dtok_emb[v] = Σ_{r: ids_r = v} dx_r,  dpos_emb[t] = Σ_{r mod T = t} dx_r, summed in row order.
// The ids are read from the Graph's ids tensor at every run (SetInputs writes them). One op in
// place of two ByIndices gathers and an addition, each of which gorgonia computes into fresh
// (N, D) tensors every run. With tokOnly (Config.RoPE or Config.RelBias, which have no pos_emb)
// it takes tok_emb alone: x_r = tok_emb[ids_r].

type embedOp struct {
	baseOp
	ids     []int // the Graph's ids, N = Batch·SeqLen
	seqLen  int
	tokOnly bool // no pos_emb input
}

func (o embedOp) Arity() int {
	if o.tokOnly {
		return 1
	}
	return 2
}

func (o embedOp) Type() hm.Type {
	if o.tokOnly {
		return hm.NewFnType(mat, mat)
	}
	return hm.NewFnType(mat, mat, mat)
}

func (o embedOp) String() string {
	if o.tokOnly {
		return fmt.Sprintf("embed(N=%d,T=%d,tok only)", len(o.ids), o.seqLen)
	}
	return fmt.Sprintf("embed(N=%d,T=%d)", len(o.ids), o.seqLen)
}
func (o embedOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o embedOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o embedOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	tok, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	if o.tokOnly {
		if len(tok) != 2 {
			return nil, fmt.Errorf("model: %v: embedding shape %v", o, tok)
		}
		return tensor.Shape{len(o.ids), tok[1]}, nil
	}
	pos, err := shapeOf(in[1])
	if err != nil {
		return nil, err
	}
	if len(tok) != 2 || len(pos) != 2 || tok[1] != pos[1] || pos[0] < o.seqLen {
		return nil, fmt.Errorf("model: %v: embedding shapes %v, %v", o, tok, pos)
	}
	return tensor.Shape{len(o.ids), tok[1]}, nil
}

func (o embedOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(o.Arity(), vs)
	if err != nil {
		return nil, err
	}
	tok := d[0]
	V, D := s[0][0], s[0][1]
	t, x := o.out(false, len(o.ids), D)
	if o.tokOnly {
		for r, id := range o.ids {
			if id < 0 || id >= V {
				return nil, fmt.Errorf("model: %v: token id %d at row %d out of range [0, %d)", o, id, r, V)
			}
			copy(x[r*D:(r+1)*D], tok[id*D:(id+1)*D])
		}
		return t, nil
	}
	pos := d[1]
	for r, id := range o.ids {
		if id < 0 || id >= V {
			return nil, fmt.Errorf("model: %v: token id %d at row %d out of range [0, %d)", o, id, r, V)
		}
		te, pe, xr := tok[id*D:(id+1)*D], pos[(r%o.seqLen)*D:], x[r*D:(r+1)*D]
		for j := range xr {
			xr[j] = te[j] + pe[j]
		}
	}
	return t, nil
}

func (o embedOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dtok, err := gorgonia.ApplyOp(embedGradOp{baseOp: newBase(), e: o, pos: false, rows: in[0].Shape()[0]}, grad)
	if err != nil {
		return nil, err
	}
	if o.tokOnly {
		return gorgonia.Nodes{dtok}, nil
	}
	dpos, err := gorgonia.ApplyOp(embedGradOp{baseOp: newBase(), e: o, pos: true, rows: in[1].Shape()[0]}, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dtok, dpos}, nil
}

// embedGradOp is dtok_emb (pos false) or dpos_emb (pos true), of the given rows, for input dx.
type embedGradOp struct {
	baseOp
	e    embedOp
	pos  bool
	rows int
}

func (embedGradOp) Arity() int    { return 1 }
func (embedGradOp) Type() hm.Type { return hm.NewFnType(mat, mat) }
func (o embedGradOp) String() string {
	return fmt.Sprintf("%v'(pos=%v,rows=%d)", o.e, o.pos, o.rows)
}
func (o embedGradOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o embedGradOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o embedGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{o.rows, s[1]}, nil
}

func (o embedGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(1, vs)
	if err != nil {
		return nil, err
	}
	dx, D := d[0], s[0][1]
	t, out := o.out(true, o.rows, D)
	for r := range o.e.ids {
		k := r % o.e.seqLen
		if !o.pos {
			k = o.e.ids[r]
		}
		if k < 0 || k >= o.rows {
			return nil, fmt.Errorf("model: %v: row %d out of range [0, %d)", o, k, o.rows)
		}
		or, dr := out[k*D:(k+1)*D], dx[r*D:(r+1)*D]
		for j := range or {
			or[j] += dr[j]
		}
	}
	return t, nil
}

func (embedGradOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: the embedding's gradient is not differentiable again")
}

// --- Log-softmax over the rows of x (N, V): y = x - max(x) - log Σ_v exp(x_v - max(x)) -------------
//
// dx = dy - softmax(x) · Σ_v dy_v, with softmax(x) = exp(y). Sums and exponentials are in float64,
// as in the Sampler's log-probs. One op instead of gorgonia's Max, two BroadcastSubs, Exp, Sum and
// Log, whose broadcasts copied element by element.

type logSoftmaxOp struct{ baseOp }

func (logSoftmaxOp) Arity() int              { return 1 }
func (logSoftmaxOp) Type() hm.Type           { return hm.NewFnType(mat, mat) }
func (logSoftmaxOp) String() string          { return "logsoftmax" }
func (o logSoftmaxOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o logSoftmaxOp) Hashcode() uint32      { return hashOf(o.String()) }
func (logSoftmaxOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	if err == nil && len(s) != 2 {
		err = fmt.Errorf("model: logsoftmax: shape %v", s)
	}
	return s.Clone(), err
}

func (o logSoftmaxOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(1, vs)
	if err != nil {
		return nil, err
	}
	x := d[0]
	V := s[0][1]
	t, y := o.out(false, s[0]...)
	parallel(s[0][0], grainRows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x[r*V:(r+1)*V], y[r*V:(r+1)*V]
			mx := math.Inf(-1)
			for _, v := range xr {
				mx = max(mx, float64(v))
			}
			var sum float64
			for _, v := range xr {
				sum += math.Exp(float64(v) - mx)
			}
			lse := mx + math.Log(sum)
			for j, v := range xr {
				yr[j] = float32(float64(v) - lse)
			}
		}
	})
	return t, nil
}

func (o logSoftmaxOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(logSoftmaxGradOp{newBase()}, output, grad)
	return gorgonia.Nodes{dx}, err
}

// logSoftmaxGradOp is dx for inputs (y, dy).
type logSoftmaxGradOp struct{ baseOp }

func (logSoftmaxGradOp) Arity() int              { return 2 }
func (logSoftmaxGradOp) Type() hm.Type           { return hm.NewFnType(mat, mat, mat) }
func (logSoftmaxGradOp) String() string          { return "logsoftmax'" }
func (o logSoftmaxGradOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o logSoftmaxGradOp) Hashcode() uint32      { return hashOf(o.String()) }
func (logSoftmaxGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	return s.Clone(), err
}

func (o logSoftmaxGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(2, vs)
	if err != nil {
		return nil, err
	}
	y, dy := d[0], d[1]
	V := s[0][1]
	t, dx := o.out(false, s[0]...)
	parallel(s[0][0], grainRows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			yr, dyr, dxr := y[r*V:(r+1)*V], dy[r*V:(r+1)*V], dx[r*V:(r+1)*V]
			var sum float64
			for _, g := range dyr {
				sum += float64(g)
			}
			for j, v := range yr {
				dxr[j] = float32(float64(dyr[j]) - math.Exp(float64(v))*sum)
			}
		}
	})
	return t, nil
}

func (logSoftmaxGradOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: log-softmax's gradient is not differentiable again")
}

// --- LayerNorm: y = g ⊙ x̂ + b, x̂ = (x - mean(x)) · r, r = 1/sqrt(var(x) + ε), per row -----------
//
// With ĝ = dy ⊙ g:  dx = r (ĝ - mean(ĝ) - x̂ mean(ĝ ⊙ x̂)),  dg = Σ_rows dy ⊙ x̂,  db = Σ_rows dy.

type layerNormOp struct{ baseOp }

func (layerNormOp) Arity() int              { return 3 }
func (layerNormOp) Type() hm.Type           { return hm.NewFnType(mat, vec, vec, mat) }
func (layerNormOp) String() string          { return "layernorm" }
func (o layerNormOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o layerNormOp) Hashcode() uint32      { return hashOf(o.String()) }
func (layerNormOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	return s.Clone(), err
}

func (o layerNormOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(3, vs)
	if err != nil {
		return nil, err
	}
	t, y := o.out(false, s[0]...)
	D := s[0][1]
	parallel(s[0][0], grainRows, func(lo, hi int) { layerNorm(y[lo*D:hi*D], d[0][lo*D:hi*D], D, d[1], d[2]) })
	return t, nil
}

func (layerNormOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(layerNormGradXOp{newBase()}, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	dg, err := gorgonia.ApplyOp(layerNormGradGOp{newBase()}, in[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := gorgonia.Sum(grad, 0)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx, dg, db}, nil
}

// normalizeRow writes x̂ of one row into xh and returns r.
func normalizeRow(xh, x []float32) float64 {
	var mean float64
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	var vr float64
	for _, v := range x {
		dv := float64(v) - mean
		vr += dv * dv
	}
	vr /= float64(len(x))
	r := 1 / math.Sqrt(vr+lnEps)
	for j, v := range x {
		xh[j] = float32((float64(v) - mean) * r)
	}
	return r
}

// layerNormGradXOp is dx for inputs (x, g, dy).
type layerNormGradXOp struct{ baseOp }

func (layerNormGradXOp) Arity() int              { return 3 }
func (layerNormGradXOp) Type() hm.Type           { return hm.NewFnType(mat, vec, mat, mat) }
func (layerNormGradXOp) String() string          { return "layernorm'x" }
func (o layerNormGradXOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o layerNormGradXOp) Hashcode() uint32      { return hashOf(o.String()) }
func (layerNormGradXOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	return s.Clone(), err
}

func (o layerNormGradXOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(3, vs)
	if err != nil {
		return nil, err
	}
	x, g, dy := d[0], d[1], d[2]
	D := s[0][1]
	t, dx := o.out(false, s[0]...)
	parallel(s[0][0], grainRows, func(lo, hi int) {
		xh := make([]float32, D)
		for o := lo * D; o < hi*D; o += D {
			r := normalizeRow(xh, x[o:o+D])
			var m1, m2 float64 // mean(ĝ), mean(ĝ ⊙ x̂)
			for j := 0; j < D; j++ {
				gh := float64(dy[o+j]) * float64(g[j])
				m1 += gh
				m2 += gh * float64(xh[j])
			}
			m1 /= float64(D)
			m2 /= float64(D)
			for j := 0; j < D; j++ {
				gh := float64(dy[o+j]) * float64(g[j])
				dx[o+j] = float32(r * (gh - m1 - float64(xh[j])*m2))
			}
		}
	})
	return t, nil
}

func (layerNormGradXOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: LayerNorm's gradient is not differentiable again")
}

// layerNormGradGOp is dg = Σ_rows dy ⊙ x̂ for inputs (x, dy).
type layerNormGradGOp struct{ baseOp }

func (layerNormGradGOp) Arity() int              { return 2 }
func (layerNormGradGOp) Type() hm.Type           { return hm.NewFnType(mat, mat, vec) }
func (layerNormGradGOp) String() string          { return "layernorm'g" }
func (o layerNormGradGOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o layerNormGradGOp) Hashcode() uint32      { return hashOf(o.String()) }
func (layerNormGradGOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{s[1]}, nil
}

func (o layerNormGradGOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(2, vs)
	if err != nil {
		return nil, err
	}
	x, dy := d[0], d[1]
	D := s[0][1]
	rows := s[0][0]
	// Partial sums are kept by their first row and added in row order, so the result does not
	// depend on which goroutine finishes first (runs must be reproducible bit for bit).
	parts := make(map[int][]float64, 8)
	var mu sync.Mutex
	parallel(rows, grainRows, func(lo, hi int) {
		acc := make([]float64, D)
		xh := make([]float32, D)
		for o := lo * D; o < hi*D; o += D {
			normalizeRow(xh, x[o:o+D])
			for j := range acc {
				acc[j] += float64(dy[o+j]) * float64(xh[j])
			}
		}
		mu.Lock()
		parts[lo] = acc
		mu.Unlock()
	})
	los := make([]int, 0, len(parts))
	for lo := range parts {
		los = append(los, lo)
	}
	slices.Sort(los)
	acc := make([]float64, D)
	for _, lo := range los {
		p := parts[lo]
		for j, v := range p {
			acc[j] += v
		}
	}
	t, dg := o.out(false, D)
	for j, v := range acc {
		dg[j] = float32(v)
	}
	return t, nil
}

func (layerNormGradGOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: LayerNorm's gradient is not differentiable again")
}

// --- Causal multi-head attention: (N, 3D) q|k|v -> (N, D) -----------------------------------------
//
// Rows are r = b·T + t. Per sequence b and head h, with s_ij = q_i·k_j/sqrt(d) for j ≤ i,
// p_i = softmax_j(s_ij) and o_i = Σ_j p_ij v_j. Backward, from do_i:
//
//	dp_ij = do_i·v_j,  ds_ij = p_ij (dp_ij - Σ_j' p_ij' dp_ij'),
//	dq_i = Σ_j ds_ij k_j/sqrt(d),  dk_j = Σ_i ds_ij q_i/sqrt(d),  dv_j = Σ_i p_ij do_i.
//
// With relBias (Config.RelBias) the op takes a second input, the bias B (H, C) with C ≥ T, and
// s_ij = q_i·k_j/sqrt(d) + B[h][i−j]; its gradient is dB[h][δ] = Σ_{b, i−j=δ} ds_ij (zero for
// δ ≥ T). The backward then yields one flat vector, d qkv then dB, from which a partOp each
// copies its part out. dB is summed per sequence, in float64, and the sequences' sums are added
// in sequence order, so that it does not depend on how many goroutines share the sequences.

type attentionOp struct {
	baseOp
	seqLen, heads int
	relBias       bool // a second input: the relative position bias B (heads, C ≥ seqLen)
}

func (o attentionOp) Arity() int {
	if o.relBias {
		return 2
	}
	return 1
}

func (o attentionOp) Type() hm.Type {
	if o.relBias {
		return hm.NewFnType(mat, mat, mat)
	}
	return hm.NewFnType(mat, mat)
}

func (o attentionOp) String() string {
	if o.relBias {
		return fmt.Sprintf("attention(T=%d,H=%d,rel bias)", o.seqLen, o.heads)
	}
	return fmt.Sprintf("attention(T=%d,H=%d)", o.seqLen, o.heads)
}
func (o attentionOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o attentionOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o attentionOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	if len(s) != 2 || s[1]%3 != 0 || (s[1]/3)%o.heads != 0 || s[0]%o.seqLen != 0 {
		return nil, fmt.Errorf("model: %v: input shape %v", o, s)
	}
	if o.relBias {
		bs, err := shapeOf(in[1])
		if err != nil {
			return nil, err
		}
		if len(bs) != 2 || bs[0] != o.heads || bs[1] < o.seqLen {
			return nil, fmt.Errorf("model: %v: bias shape %v", o, bs)
		}
	}
	return tensor.Shape{s[0], s[1] / 3}, nil
}

// biasOf returns head h's row of the bias B (h, C), or nil for none.
func biasOf(bias []float32, C, h int) []float32 {
	if bias == nil {
		return nil
	}
	return bias[h*C : (h+1)*C]
}

// probs writes p_i (positions 0..i) of head h, row r = b·T + i, into p; bh is head h's row of
// the relative position bias, or nil.
func (o attentionOp) probs(p, qkv, bh []float32, D, b, i, h int) {
	T, d := o.seqLen, D/o.heads
	scale := 1 / math.Sqrt(float64(d))
	r := b*T + i
	q := qkv[r*3*D+h*d : r*3*D+(h+1)*d]
	mx := float32(math.Inf(-1))
	for j := 0; j <= i; j++ {
		k := qkv[(b*T+j)*3*D+D+h*d:]
		p[j] = float32(float64(dot(q, k[:len(q)])) * scale)
		if bh != nil {
			p[j] += bh[i-j]
		}
		mx = max(mx, p[j])
	}
	row := p[:i+1]
	for j := range row {
		row[j] -= mx
	}
	kernel.Exp(row, row) // vectorised: exp was a tenth of a step in math.Exp
	var sum float64
	for _, e := range row {
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for j := range row {
		row[j] *= inv
	}
}

// bias returns the bias input of vs (nil without relBias) and its row length C.
func (o attentionOp) bias(d [][]float32, s []tensor.Shape) ([]float32, int) {
	if !o.relBias {
		return nil, 0
	}
	return d[1], s[1][1]
}

func (o attentionOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(o.Arity(), vs)
	if err != nil {
		return nil, err
	}
	qkv := d[0]
	bias, C := o.bias(d, s)
	N, D := s[0][0], s[0][1]/3
	T, dh := o.seqLen, D/o.heads
	t, out := o.out(true, N, D)
	parallel(N/T, grainSeqs, func(lo, hi int) {
		p := make([]float32, T)
		for b := lo; b < hi; b++ {
			for i := 0; i < T; i++ {
				r := b*T + i
				for h := 0; h < o.heads; h++ {
					o.probs(p, qkv, biasOf(bias, C, h), D, b, i, h)
					y := out[r*D+h*dh : r*D+(h+1)*dh]
					for j := 0; j <= i; j++ {
						v := qkv[(b*T+j)*3*D+2*D+h*dh:]
						for e := range y {
							y[e] += p[j] * v[e]
						}
					}
				}
			}
		}
	})
	return t, nil
}

func (o attentionOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g := attentionGradOp{baseOp: newBase(), o: o}
	if !o.relBias {
		dqkv, err := gorgonia.ApplyOp(g, in[0], grad)
		return gorgonia.Nodes{dqkv}, err
	}
	flat, err := gorgonia.ApplyOp(g, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	out := make(gorgonia.Nodes, 0, 2)
	off := 0
	for i, sh := range []tensor.Shape{in[0].Shape(), in[1].Shape()} {
		part, err := gorgonia.ApplyOp(partOp{baseOp: newBase(), of: g, part: i, off: off, shape: sh.Clone()}, flat)
		if err != nil {
			return nil, err
		}
		out = append(out, part)
		off += sh.TotalSize()
	}
	return out, nil
}

// attentionGradOp is d qkv for inputs (qkv, do); with relBias, the flat (d qkv, dB) for inputs
// (qkv, B, do).
type attentionGradOp struct {
	baseOp
	o attentionOp
}

func (g attentionGradOp) Arity() int { return g.o.Arity() + 1 }
func (g attentionGradOp) Type() hm.Type {
	if g.o.relBias {
		return hm.NewFnType(mat, mat, mat, vec)
	}
	return hm.NewFnType(mat, mat, mat)
}
func (g attentionGradOp) String() string        { return g.o.String() + "'" }
func (g attentionGradOp) WriteHash(h hash.Hash) { hashString(h, g.String()) }
func (g attentionGradOp) Hashcode() uint32      { return hashOf(g.String()) }
func (g attentionGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	if err != nil || !g.o.relBias {
		return s.Clone(), err
	}
	bs, err := shapeOf(in[1])
	if err != nil {
		return nil, err
	}
	return tensor.Shape{s.TotalSize() + bs.TotalSize()}, nil
}

func (g attentionGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(g.Arity(), vs)
	if err != nil {
		return nil, err
	}
	qkv, dout := d[0], d[len(d)-1]
	bias, C := g.o.bias(d, s)
	N, D := s[0][0], s[0][1]/3
	T, H, dh := g.o.seqLen, g.o.heads, D/g.o.heads
	scale := float32(1 / math.Sqrt(float64(dh)))
	var t *tensor.Dense
	var dqkv, dbias []float32
	var parts []float64 // with relBias: per sequence b, head h and distance δ < T, Σ ds at (b·H+h)·T+δ
	if g.o.relBias {
		var flat []float32
		t, flat = g.out(true, N*3*D+H*C)
		dqkv, dbias = flat[:N*3*D], flat[N*3*D:]
		parts = make([]float64, N*H)
	} else {
		t, dqkv = g.out(true, N, 3*D)
	}
	parallel(N/T, grainSeqs, func(lo, hi int) {
		p := make([]float32, T)
		ds := make([]float32, T)
		for b := lo; b < hi; b++ {
			for i := 0; i < T; i++ {
				r := b*T + i
				for h := 0; h < H; h++ {
					g.o.probs(p, qkv, biasOf(bias, C, h), D, b, i, h)
					do := dout[r*D+h*dh : r*D+(h+1)*dh]
					var pdp float32 // Σ_j p_ij dp_ij
					for j := 0; j <= i; j++ {
						rj := (b*T + j) * 3 * D
						v := qkv[rj+2*D+h*dh : rj+2*D+(h+1)*dh]
						dp := dot(do, v)
						ds[j] = dp
						pdp += p[j] * dp
						dv := dqkv[rj+2*D+h*dh : rj+2*D+(h+1)*dh]
						for e, de := range do {
							dv[e] += p[j] * de
						}
					}
					q := qkv[r*3*D+h*dh : r*3*D+(h+1)*dh]
					dq := dqkv[r*3*D+h*dh : r*3*D+(h+1)*dh]
					for j := 0; j <= i; j++ {
						c := p[j] * (ds[j] - pdp) * scale
						rj := (b*T + j) * 3 * D
						k := qkv[rj+D+h*dh : rj+D+(h+1)*dh]
						dk := dqkv[rj+D+h*dh : rj+D+(h+1)*dh]
						for e := range dq {
							dq[e] += c * k[e]
							dk[e] += c * q[e]
						}
					}
					if parts != nil {
						part := parts[(b*H+h)*T : (b*H+h+1)*T]
						for j := 0; j <= i; j++ {
							part[i-j] += float64(p[j] * (ds[j] - pdp))
						}
					}
				}
			}
		}
	})
	if parts != nil {
		acc := make([]float64, H*T)
		for b := 0; b < N/T; b++ {
			for k, v := range parts[b*H*T : (b+1)*H*T] {
				acc[k] += v
			}
		}
		for h := 0; h < H; h++ {
			for dist := 0; dist < T; dist++ {
				dbias[h*C+dist] = float32(acc[h*T+dist])
			}
		}
	}
	return t, nil
}

func (attentionGradOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: attention's gradient is not differentiable again")
}

// partOp copies part number part, of the given shape at offset off, out of a flat gradient
// computed by the op of (a fused op's backward that yields the gradients of several inputs
// at once: gorgonia nodes have one output each).
type partOp struct {
	baseOp
	of    fmt.Stringer
	part  int
	off   int
	shape tensor.Shape
}

func (partOp) Arity() int { return 1 }
func (o partOp) Type() hm.Type {
	if len(o.shape) == 1 {
		return hm.NewFnType(vec, vec)
	}
	return hm.NewFnType(vec, mat)
}
func (o partOp) String() string {
	return fmt.Sprintf("%v'[part=%d,off=%d,shape=%v]", o.of, o.part, o.off, o.shape)
}
func (o partOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o partOp) Hashcode() uint32      { return hashOf(o.String()) }
func (o partOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	if len(s) != 1 || s[0] < o.off+o.shape.TotalSize() {
		return nil, fmt.Errorf("model: %v: flat gradient of shape %v", o, s)
	}
	return o.shape.Clone(), nil
}

func (o partOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, _, err := inputs(1, vs)
	if err != nil {
		return nil, err
	}
	n := o.shape.TotalSize()
	if len(d[0]) < o.off+n {
		return nil, fmt.Errorf("model: %v: flat gradient of %d values", o, len(d[0]))
	}
	t, y := o.out(false, o.shape...)
	copy(y, d[0][o.off:o.off+n])
	return t, nil
}

func (o partOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, fmt.Errorf("model: %v: a gradient is not differentiable again", o.of)
}

// gemm is the matrix core of the graph's products and of the sampler: the project's own AVX2/AVX-512
// Sgemm (package internal/kernel), which falls back to plain Go on other CPUs.
var gemm kernel.Implementation

// dot is Σ_i a_i b_i for len(b) >= len(a), summed in four interleaved partial sums (so that
// successive additions do not wait on each other), then (s0 + s1) + (s2 + s3).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		a4, b4 := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += a4[0] * b4[0]
		s1 += a4[1] * b4[1]
		s2 += a4[2] * b4[2]
		s3 += a4[3] * b4[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
