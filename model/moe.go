package model

// Mixture of experts: DeepSeekMoE's fine-grained and shared experts (Dai et al. 2024) with
// DeepSeek-V3's sigmoid router and auxiliary-loss-free load balancing (DeepSeek-AI 2024, §2.1.2).
//
// With Config.Experts = E > 0, each block's MLP is replaced, for the LayerNorm output h of a token
// (a row of width D), by
//
//	MoE(h) = Σ_{s<S} FFN_s(h) + Σ_{i ∈ TopK} g_i · FFN_i(h)
//	FFN(h) = GELU(h @ fc.w + fc.b) @ out.w + out.b         (the dense MLP at width ExpertDFF)
//	s_i    = σ(h · router.w[:, i])                         affinity of routed expert i
//	TopK   = the K experts of largest s_i + bias_i          (ties to the lower index)
//	g_i    = γ s_i / Σ_{j ∈ TopK} s_j                       gate, γ = Config.RoutedScale
//
// with S = SharedExperts and K = TopK, and the block's residual stream gains MoE(h) where it
// gained the MLP's output. The selection bias (blocks.i.moe.router.bias) steers which experts are
// chosen but enters no gate, so no gradient reaches it: it is exactly zero in the graph, and an
// AdamW step with zero gradient leaves it unchanged (its moments stay zero; weight decay skips
// vectors). It is trained instead by UpdateRouterBias from the experts' load, V3's
// auxiliary-loss-free balancing. The gates sum to γ, V3's routed scaling factor. With K = 1 the
// gate is always γ, so the router's weights get no gradient either and only the bias moves the
// routing (and weight decay, when the trainer's WeightDecay is above its default 0: it shrinks
// every matrix, the router's among them).
//
// Backward, with the selection held fixed (as is standard: it is piecewise constant), for a row
// with output gradient dy:
//
//	dFFN_i  = g_i dy                       through each selected expert (and dy for a shared one)
//	dg_i    = dy · FFN_i(h)
//	ds_j    = (γ dg_j - Σ_{i∈TopK} g_i dg_i) / Σ_{i∈TopK} s_i    for j ∈ TopK, 0 otherwise
//	dz_j    = ds_j s_j (1 - s_j)           z = h @ router.w, the router's logits
//	drouter.w = hᵀ dz,  dh = Σ_experts dh_FFN + dz @ router.wᵀ,  dbias = 0
//
// and through one expert with its rows' gradient d (= g dy), pre-activation u = h @ fc.w + fc.b:
//
//	e = d @ out.wᵀ,  dout.w = GELU(u)ᵀ d,  dout.b = Σ_rows d,  du = e ⊙ GELU'(u),
//	dfc.w = hᵀ du,  dfc.b = Σ_rows du,  dh_FFN = du @ fc.wᵀ.
//
// dg_i needs FFN_i(h) = GELU(u) @ out.w + out.b, which is not kept: with e' = dy @ out.wᵀ (the
// product the backward takes anyway), dg_i = e'·GELU(u) + dy·out.b.
//
// Each expert's rows are gathered into one matrix, so an expert costs one matrix product per
// weight whatever the number of rows routed to it, in the Sampler and the Graph alike.

import (
	"errors"
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
	"mathzero/internal/kernel"
)

// ffnWeights are one GELU MLP's weights: fc.w [D, F], fc.b [F], out.w [F, D], out.b [D].
type ffnWeights struct{ fcW, fcB, outW, outB []float32 }

// moeWeights are one block's MoE weights.
type moeWeights struct {
	routerW    []float32 // [D, E]
	routerBias []float32 // [E], selection only
	shared     []ffnWeights
	routed     []ffnWeights
}

// moeWeightsFrom reads a block's MoE weights from w, laid out as the tensors from c.off(offMoE) on
// (router.w, router.bias, then four per expert, shared first).
func moeWeightsFrom(c Config, w [][]float32) moeWeights {
	m := moeWeights{routerW: w[offRouterW], routerBias: w[offRouterBias]}
	for k := 0; k < c.SharedExperts+c.Experts; k++ {
		e := w[offExperts+4*k:]
		f := ffnWeights{fcW: e[0], fcB: e[1], outW: e[2], outB: e[3]}
		if k < c.SharedExperts {
			m.shared = append(m.shared, f)
		} else {
			m.routed = append(m.routed, f)
		}
	}
	return m
}

// moeWeightsOf is moeWeightsFrom over block tensors.
func moeWeightsOf(c Config, blk []*Tensor) moeWeights {
	blk = blk[c.off(offMoE):]
	w := make([][]float32, len(blk))
	for i, t := range blk {
		w[i] = t.Data
	}
	return moeWeightsFrom(c, w)
}

// moeState is one forward pass's routing of its n rows, what the backward of the same run reads,
// and scratch. For row r, sel[r·K:(r+1)·K] are its experts (in order of selection), aff their
// affinities s and gate their gates g; rows[e] lists the rows sent to routed expert e in
// ascending order and slots[e] the index into sel of each; u[k] holds the pre-activations of
// expert k's rows (shared experts first, all n rows; then routed expert e's rows[e]).
type moeState struct {
	n           int
	z           []float32 // n·E router logits, then affinities
	sel         []int
	aff, gate   []float32
	rows, slots [][]int
	u           [][]float32
	hx, f, y    []float32 // scratch: gathered rows (·D), GELU(u) (·F), expert output (·D)
	taken       []bool    // scratch of the selection, E
	// Scratch of the backward: dg (n·K), e (n·F), dz (n·E), an expert's dh (·D).
	dgate, e, dz, dhx []float32
}

// growI returns b resliced to n ints, or a new slice if b's capacity is short.
func growI(b []int, n int) []int {
	if cap(b) < n {
		return make([]int, n)
	}
	return b[:n]
}

// route computes the routing of n rows of h: the router's logits z = h @ router.w, the
// affinities s = σ(z), each row's top-K experts by s + bias and their gates.
func (st *moeState) route(c Config, w moeWeights, h []float32, n int) {
	D, E, K := c.DModel, c.Experts, c.TopK
	gamma := c.routedScale()
	st.n = n
	st.z = growF(st.z, n*E)
	st.sel = growI(st.sel, n*K)
	st.aff = growF(st.aff, n*K)
	st.gate = growF(st.gate, n*K)
	if len(st.rows) != E {
		st.rows, st.slots = make([][]int, E), make([][]int, E)
	}
	for e := range st.rows {
		st.rows[e], st.slots[e] = st.rows[e][:0], st.slots[e][:0]
	}
	if len(st.taken) != E {
		st.taken = make([]bool, E)
	}
	z := st.z
	gemm.Sgemm(blas.NoTrans, blas.NoTrans, n, E, D, 1, h[:n*D], D, w.routerW, E, 0, z, E)
	for r := 0; r < n; r++ {
		zr := z[r*E : (r+1)*E]
		for i, v := range zr {
			zr[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
		clear(st.taken)
		var sum float64
		for k := 0; k < K; k++ {
			best := -1
			var bestScore float64
			for i, s := range zr {
				if st.taken[i] {
					continue
				}
				if score := float64(s) + float64(w.routerBias[i]); best < 0 || score > bestScore {
					best, bestScore = i, score
				}
			}
			st.taken[best] = true
			st.sel[r*K+k] = best
			st.aff[r*K+k] = zr[best]
			sum += float64(zr[best])
		}
		for k := 0; k < K; k++ {
			g := 1 / float64(K) // all K affinities underflowed to 0 (|logits| > ~100): share equally
			if sum > 0 {
				g = float64(st.aff[r*K+k]) / sum
			}
			st.gate[r*K+k] = float32(gamma * g)
		}
	}
	// Group by expert, rows in ascending order.
	for r := 0; r < n; r++ {
		for k := 0; k < K; k++ {
			e := st.sel[r*K+k]
			st.rows[e] = append(st.rows[e], r)
			st.slots[e] = append(st.slots[e], r*K+k)
		}
	}
}

// load adds to dst[e] the number of rows routed to expert e.
func (st *moeState) load(dst []int) {
	for e, rs := range st.rows {
		dst[e] += len(rs)
	}
}

// gather copies rows rs of src (width D) into dst.
func gather(dst, src []float32, rs []int, D int) {
	for j, r := range rs {
		copy(dst[j*D:(j+1)*D], src[r*D:(r+1)*D])
	}
}

// forward adds MoE(h) to dst for n rows (both n×D), routing them first. par splits
// element-wise work (parallel, or serial for one goroutine).
func (st *moeState) forward(c Config, w moeWeights, dst, h []float32, n int, par func(n, grain int, fn func(lo, hi int))) {
	D, F, S := c.DModel, c.ExpertDFF, c.SharedExperts
	st.route(c, w, h, n)
	if len(st.u) != S+c.Experts {
		st.u = make([][]float32, S+c.Experts)
	}
	gelu := func(f, u []float32) { par(len(u), grainElems, func(lo, hi int) { kernel.GELU(f[lo:hi], u[lo:hi]) }) }

	st.f = growF(st.f, n*F)
	for k, x := range w.shared {
		u := growF(st.u[k], n*F)
		st.u[k] = u
		linear(u, h, n, D, F, x.fcW, x.fcB, false)
		gelu(st.f[:n*F], u)
		linear(dst, st.f, n, F, D, x.outW, x.outB, true)
	}
	for e, x := range w.routed {
		rs := st.rows[e]
		m := len(rs)
		if m == 0 {
			continue
		}
		st.hx = growF(st.hx, m*D)
		st.y = growF(st.y, m*D)
		u := growF(st.u[S+e], m*F)
		st.u[S+e] = u
		gather(st.hx, h, rs, D)
		linear(u, st.hx, m, D, F, x.fcW, x.fcB, false)
		gelu(st.f[:m*F], u)
		linear(st.y, st.f, m, F, D, x.outW, x.outB, false)
		for j, r := range rs {
			g := st.gate[st.slots[e][j]]
			yj, dr := st.y[j*D:(j+1)*D], dst[r*D:(r+1)*D]
			for i, v := range yj {
				dr[i] += g * v
			}
		}
	}
}

// moeGrads are the MoE's gradients, written by backward: dh (n×D), the router's weights, and
// each expert's four (shared first), all accumulated into (the caller zeroes them).
type moeGrads struct {
	dh      []float32
	routerW []float32
	experts []ffnWeights
}

// backward computes the gradients of the last forward's rows h (n×D) for their output gradient
// dy (n×D), the selection held fixed (see the file comment).
func (st *moeState) backward(c Config, w moeWeights, g moeGrads, h, dy []float32, par func(n, grain int, fn func(lo, hi int))) {
	n, D, F, E, K, S := st.n, c.DModel, c.ExpertDFF, c.Experts, c.TopK, c.SharedExperts
	gamma := c.routedScale()
	st.dgate = growF(st.dgate, n*K)
	st.e = growF(st.e, n*F)
	dgate, e := st.dgate, st.e
	gradU := func(du, u []float32) {
		par(len(u), grainElems, func(lo, hi int) { kernel.GELUGrad(du[lo:hi], u[lo:hi], du[lo:hi]) })
	}

	// ffnBack takes rows x (m×D) with output gradient d (m×D) back through expert k, whose
	// pre-activations are u and GELU(u) f: it adds the expert's weight gradients into g and
	// du @ fc.wᵀ into dx (m×D). ev holds d @ out.wᵀ on entry and du on return.
	ffnBack := func(k, m int, x, d, u, f, ev, dx []float32) {
		wk, gk := expertOf(w, k, S), g.experts[k]
		gemm.Sgemm(blas.Trans, blas.NoTrans, F, D, m, 1, f, F, d, D, 1, gk.outW, D)
		colSum(gk.outB, d, m, D)
		gradU(ev, u)
		gemm.Sgemm(blas.Trans, blas.NoTrans, D, F, m, 1, x, D, ev, F, 1, gk.fcW, F)
		colSum(gk.fcB, ev, m, F)
		gemm.Sgemm(blas.NoTrans, blas.Trans, m, D, F, 1, ev, F, wk.fcW, F, 1, dx, D)
	}

	for k, x := range w.shared {
		u := st.u[k][:n*F]
		f := st.f[:n*F]
		par(len(u), grainElems, func(lo, hi int) { kernel.GELU(f[lo:hi], u[lo:hi]) })
		gemm.Sgemm(blas.NoTrans, blas.Trans, n, F, D, 1, dy, D, x.outW, D, 0, e, F)
		ffnBack(k, n, h, dy, u, f, e, g.dh)
	}
	for ei, x := range w.routed {
		rs := st.rows[ei]
		m := len(rs)
		if m == 0 {
			continue
		}
		u := st.u[S+ei][:m*F]
		f := st.f[:m*F]
		par(len(u), grainElems, func(lo, hi int) { kernel.GELU(f[lo:hi], u[lo:hi]) })
		st.hx, st.y, st.dhx = growF(st.hx, m*D), growF(st.y, m*D), growF(st.dhx, m*D)
		hx, dyx, dhx := st.hx, st.y, st.dhx
		clear(dhx)
		gather(hx, h, rs, D)
		gather(dyx, dy, rs, D)
		ev := e[:m*F]
		gemm.Sgemm(blas.NoTrans, blas.Trans, m, F, D, 1, dyx, D, x.outW, D, 0, ev, F)
		for j, slot := range st.slots[ei] {
			dg := dot(ev[j*F:(j+1)*F], f[j*F:(j+1)*F]) + dot(dyx[j*D:(j+1)*D], x.outB)
			dgate[slot] = dg
			gt := st.gate[slot]
			for i := j * D; i < (j+1)*D; i++ {
				dyx[i] *= gt
			}
			for i := j * F; i < (j+1)*F; i++ {
				ev[i] *= gt
			}
		}
		ffnBack(S+ei, m, hx, dyx, u, f, ev, dhx)
		for j, r := range rs {
			dr, dj := g.dh[r*D:(r+1)*D], dhx[j*D:(j+1)*D]
			for i, v := range dj {
				dr[i] += v
			}
		}
	}

	// The router: dz (n×E), zero off the selection.
	st.dz = growF(st.dz, n*E)
	dz := st.dz
	clear(dz)
	for r := 0; r < n; r++ {
		var sum, gdg float64 // Σ s, Σ g dg over the selection
		for k := r * K; k < (r+1)*K; k++ {
			sum += float64(st.aff[k])
			gdg += float64(st.gate[k]) * float64(dgate[k])
		}
		if sum == 0 {
			continue // σ'(z) = 0 for every selected expert
		}
		for k := r * K; k < (r+1)*K; k++ {
			s := float64(st.aff[k])
			ds := (gamma*float64(dgate[k]) - gdg) / sum
			dz[r*E+st.sel[k]] = float32(ds * s * (1 - s))
		}
	}
	gemm.Sgemm(blas.Trans, blas.NoTrans, D, E, n, 1, h[:n*D], D, dz, E, 1, g.routerW, E)
	gemm.Sgemm(blas.NoTrans, blas.Trans, n, D, E, 1, dz, E, w.routerW, E, 1, g.dh, D)
}

// expertOf returns expert k's weights, shared experts first.
func expertOf(w moeWeights, k, S int) ffnWeights {
	if k < S {
		return w.shared[k]
	}
	return w.routed[k-S]
}

// colSum adds the column sums of x (m×n, summed in row order) into dst (n).
func colSum(dst, x []float32, m, n int) {
	for r := 0; r < m; r++ {
		xr := x[r*n : (r+1)*n]
		for j, v := range xr {
			dst[j] += v
		}
	}
}

// UpdateRouterBias takes one step of DeepSeek-V3's auxiliary-loss-free load balancing: in every
// block l, for each routed expert i with load[l][i] token-slots in the last batch (as reported by
// Graph.ExpertLoad or Sampler.ExpertLoad),
//
//	bias_i += gamma · sign(mean_j load[l][j] - load[l][i])
//
// so that an over-loaded expert becomes less likely to be selected and an under-loaded one more;
// equal loads change nothing. The bias is blocks.l.moe.router.bias, which enters the selection
// only (see moe.go), and receives no gradient: this is its only update. DeepSeek-V3 uses gamma =
// 0.001 for most of training. It is an error for a dense model, for a load of the wrong shape,
// a negative load, or a gamma that is negative or not finite.
func (p *Params) UpdateRouterBias(load [][]int, gamma float64) error {
	if err := p.Check(); err != nil {
		return err
	}
	c := p.Config
	if !c.MoE() {
		return errors.New("model: UpdateRouterBias: the model has no experts")
	}
	if math.IsNaN(gamma) || math.IsInf(gamma, 0) || gamma < 0 {
		return fmt.Errorf("model: UpdateRouterBias: gamma %v must be finite and non-negative", gamma)
	}
	if len(load) != c.Layers {
		return fmt.Errorf("model: UpdateRouterBias: load of %d layers, want %d", len(load), c.Layers)
	}
	for l, ld := range load {
		if len(ld) != c.Experts {
			return fmt.Errorf("model: UpdateRouterBias: layer %d: load of %d experts, want %d", l, len(ld), c.Experts)
		}
		for i, v := range ld {
			if v < 0 {
				return fmt.Errorf("model: UpdateRouterBias: layer %d: expert %d has negative load %d", l, i, v)
			}
		}
	}
	step := float32(gamma)
	for l, ld := range load {
		var total float64
		for _, v := range ld {
			total += float64(v)
		}
		b := block(c, p.Tensors, l)[c.off(offMoE)+offRouterBias].Data
		for i, v := range ld {
			// sign(mean - load_i) = sign(total - E·load_i), compared exactly.
			switch d := total - float64(c.Experts)*float64(v); {
			case d > 0:
				b[i] += step
			case d < 0:
				b[i] -= step
			}
		}
	}
	return nil
}

// --- The graph's MoE op: y = x + MoE(h) for h, x (N, D) and the block's MoE weights -------------
//
// Inputs: h, x, router.w, router.bias, then fc.w, fc.b, out.w, out.b of each expert (shared
// first). The backward is one op (moeGradOp) that computes every input's gradient into one flat
// vector, from which a partOp per input copies its part out (gorgonia nodes have one output
// each). The gradient of x is dy itself; that of router.bias is a part left zero.
//
// The forward keeps its routing and the experts' pre-activations in a moeState shared with the
// backward, which runs later in the same TapeMachine run (it consumes dy, which depends on the
// forward's output).

type moeOp struct {
	baseOp
	cfg   Config
	layer int
	st    *moeState
}

func (o moeOp) Arity() int { return 2 + offExperts + 4*(o.cfg.SharedExperts+o.cfg.Experts) }

// weightTypes are the types of the MoE weights, in order.
func (o moeOp) weightTypes() []hm.Type {
	ts := []hm.Type{mat, vec}
	for k := 0; k < o.cfg.SharedExperts+o.cfg.Experts; k++ {
		ts = append(ts, mat, vec, mat, vec)
	}
	return ts
}

func (o moeOp) Type() hm.Type {
	ts := append([]hm.Type{mat, mat}, o.weightTypes()...)
	return hm.NewFnType(append(ts, mat)...)
}

func (o moeOp) String() string {
	return fmt.Sprintf("moe(layer=%d,E=%d,S=%d,K=%d,F=%d)", o.layer, o.cfg.Experts, o.cfg.SharedExperts, o.cfg.TopK, o.cfg.ExpertDFF)
}
func (o moeOp) WriteHash(h hash.Hash) { hashString(h, o.String()) }
func (o moeOp) Hashcode() uint32      { return hashOf(o.String()) }

// weightShapes are the shapes of the MoE weights, in order.
func (o moeOp) weightShapes() []tensor.Shape {
	D, E, F := o.cfg.DModel, o.cfg.Experts, o.cfg.ExpertDFF
	s := []tensor.Shape{{D, E}, {E}}
	for k := 0; k < o.cfg.SharedExperts+o.cfg.Experts; k++ {
		s = append(s, tensor.Shape{D, F}, tensor.Shape{F}, tensor.Shape{F, D}, tensor.Shape{D})
	}
	return s
}

func (o moeOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if len(in) != o.Arity() {
		return nil, fmt.Errorf("model: %v: %d inputs, want %d", o, len(in), o.Arity())
	}
	h, err := shapeOf(in[0])
	if err != nil {
		return nil, err
	}
	x, err := shapeOf(in[1])
	if err != nil {
		return nil, err
	}
	if len(h) != 2 || h[1] != o.cfg.DModel || !h.Eq(x) {
		return nil, fmt.Errorf("model: %v: input shapes %v, %v", o, h, x)
	}
	for i, want := range o.weightShapes() {
		s, err := shapeOf(in[2+i])
		if err != nil {
			return nil, err
		}
		if !s.Eq(want) {
			return nil, fmt.Errorf("model: %v: weight %d has shape %v, want %v", o, i, s, want)
		}
	}
	return h.Clone(), nil
}

func (o moeOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(o.Arity(), vs)
	if err != nil {
		return nil, err
	}
	n := s[0][0]
	t, y := o.out(false, s[0]...)
	copy(y, d[1])
	o.st.forward(o.cfg, moeWeightsFrom(o.cfg, d[2:]), y, d[0], n, parallel)
	return t, nil
}

func (o moeOp) SymDiff(in gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	gin := append(gorgonia.Nodes{in[0], grad}, in[2:]...)
	flat, err := gorgonia.ApplyOp(moeGradOp{baseOp: newBase(), o: o}, gin...)
	if err != nil {
		return nil, err
	}
	shapes := append([]tensor.Shape{in[0].Shape()}, o.weightShapes()...)
	out := make(gorgonia.Nodes, 0, len(in))
	off := 0
	for i, sh := range shapes {
		part, err := gorgonia.ApplyOp(partOp{baseOp: newBase(), of: o, part: i, off: off, shape: sh.Clone()}, flat)
		if err != nil {
			return nil, err
		}
		out = append(out, part)
		if i == 0 {
			out = append(out, grad) // x, the residual
		}
		off += sh.TotalSize()
	}
	return out, nil
}

// moeGradOp is the flat gradient (dh, drouter.w, drouter.bias = 0, each expert's four) for
// inputs (h, dy, MoE weights...).
type moeGradOp struct {
	baseOp
	o moeOp
}

func (g moeGradOp) Arity() int { return g.o.Arity() }
func (g moeGradOp) Type() hm.Type {
	ts := append([]hm.Type{mat, mat}, g.o.weightTypes()...)
	return hm.NewFnType(append(ts, vec)...)
}
func (g moeGradOp) String() string        { return g.o.String() + "'" }
func (g moeGradOp) WriteHash(h hash.Hash) { hashString(h, g.String()) }
func (g moeGradOp) Hashcode() uint32      { return hashOf(g.String()) }
func (g moeGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	h, err := g.o.InferShape(in...)
	if err != nil {
		return nil, err
	}
	n := h.TotalSize()
	for _, s := range g.o.weightShapes() {
		n += s.TotalSize()
	}
	return tensor.Shape{n}, nil
}

func (g moeGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := inputs(g.Arity(), vs)
	if err != nil {
		return nil, err
	}
	c := g.o.cfg
	n, D := s[0][0], s[0][1]
	if g.o.st.n != n {
		return nil, fmt.Errorf("model: %v: the forward routed %d rows, the backward has %d", g, g.o.st.n, n)
	}
	size := n * D
	for _, sh := range g.o.weightShapes() {
		size += sh.TotalSize()
	}
	t, flat := g.out(true, size)
	// Carve the flat vector: dh, router.w, router.bias (left zero), then each expert's four.
	take := func(k int) []float32 {
		p := flat[:k:k]
		flat = flat[k:]
		return p
	}
	gr := moeGrads{dh: take(n * D), routerW: take(D * c.Experts)}
	take(c.Experts)
	for k := 0; k < c.SharedExperts+c.Experts; k++ {
		gr.experts = append(gr.experts, ffnWeights{
			fcW: take(D * c.ExpertDFF), fcB: take(c.ExpertDFF), outW: take(c.ExpertDFF * D), outB: take(D),
		})
	}
	g.o.st.backward(c, moeWeightsFrom(c, d[2:]), gr, d[0], d[1], parallel)
	return t, nil
}

func (moeGradOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, errors.New("model: the MoE's gradient is not differentiable again")
}
