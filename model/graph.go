package model

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Graph is the model as a gorgonia expression graph over a fixed batch of Batch sequences of
// SeqLen tokens, with per-token log-probs and entropies as outputs. The trainer adds its loss on
// top of Logp and Entropy, calls gorgonia.Grad(loss, g.Weights...), and runs
//
//	m := gorgonia.NewTapeMachine(g.G, gorgonia.BindDualValues(g.Weights...))
//	g.SetInputs(ids, targets); m.RunAll(); g.Grads(grads); g.ZeroGrads(); m.Reset()
//
// Weights are backed by the Params' own slices, so an in-place update of Params.Tensors[i].Data
// is seen by the next run (and by any Sampler over the same Params).
//
// A Graph and its machine belong to one goroutine at a time, and a Graph to one TapeMachine at a
// time (its fused ops reuse their output buffers from run to run). Build one per (batch, seqLen)
// and keep it: building, differentiating and compiling costs about 10 ms at 512 × 11.
//
// Positions are flattened row-major: element r = b·SeqLen + t of Logp and Entropy belongs to
// sequence b, position t. Attention is causal, so what follows position t (right padding, say)
// never changes Logp[r] or Entropy[r].
//
// Structure: the embeddings, LayerNorm, the linear layers (taking the residual stream in),
// GELU with the MLP's output layer, and causal attention are fused ops with hand-written
// gradients (ops.go), which avoids gorgonia's copying, its wrong gradients (InverseSqrt,
// innermost-axis ByIndices) and its Slice hashing bug (ops.go); so is the log-softmax (tensor's
// SoftMax kernel shifts every row by the first element of the whole tensor rather than the row's
// own max, and can overflow); the target's log-prob is gathered with a one-hot product. Matrix
// products run through internal/kernel's Sgemm, like the Sampler's. With experts, each block's
// MLP is one fused MoE op (moe.go) whose backward holds the selection fixed and gives the
// selection bias a gradient of exactly zero; ExpertLoad reports the last run's routing. With
// Config.RoPE, a fused op between each qkv layer and its attention rotates q and k (rope.go);
// with Config.RelBias, the attention op takes the block's attn.rel_bias as a second input. With
// either, the embedding takes tok_emb alone.
type Graph struct {
	G       *gorgonia.ExprGraph
	Weights []*gorgonia.Node // one per Params.Tensors, same order and names, backed by the same []float32
	Logp    *gorgonia.Node   // (Batch·SeqLen): log π(targets[b][t] | ids[b][0..t]) at the graph's temperature
	Entropy *gorgonia.Node   // (Batch·SeqLen): -Σ_v π(v | ids[b][0..t]) log π(v | ids[b][0..t])
	// MeanLogp is (1/V) Σ_v log π(v | ids[b][0..t]), shape (Batch·SeqLen): -MeanLogp - log V is
	// the exact KL(uniform || π) at each position, an anchor that keeps every token possible.
	MeanLogp *gorgonia.Node
	Batch    int
	SeqLen   int

	cfg         Config
	temperature float64
	ids         *tensor.Dense // (Batch·SeqLen) Int: input token ids
	onehot      *tensor.Dense // (Batch·SeqLen, Vocab) Float32: one-hot targets
	logpVal     gorgonia.Value
	entropyVal  gorgonia.Value
	moe         []*moeState // per block, with experts: the last run's routing
}

// NewGraph builds the training graph for batch sequences of seqLen tokens over p at the given
// temperature (logits are divided by it; 0 means 1).
func NewGraph(p *Params, batch, seqLen int, temperature float64) (*Graph, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	cfg := p.Config
	if batch <= 0 {
		return nil, fmt.Errorf("model: NewGraph: batch %d must be positive", batch)
	}
	if seqLen <= 0 || seqLen > cfg.Ctx {
		return nil, fmt.Errorf("model: NewGraph: seqLen %d out of range [1, Ctx %d]", seqLen, cfg.Ctx)
	}
	tau, err := checkTemperature(temperature)
	if err != nil {
		return nil, fmt.Errorf("model: NewGraph: %w", err)
	}
	b := &builder{g: gorgonia.NewGraph()}
	gr, err := b.build(p, batch, seqLen, tau)
	if err != nil {
		return nil, fmt.Errorf("model: NewGraph: %w", err)
	}
	return gr, nil
}

// ExpertLoad returns, for a model with experts, how many token-slots each routed expert of each
// block received in the last run (load[l][e] for block l, expert e; each of the Batch·SeqLen
// positions counts K slots, right padding included, since the graph computes it): the input of
// Params.UpdateRouterBias. It is nil for a dense model, zeros before the first run.
func (g *Graph) ExpertLoad() [][]int {
	if !g.cfg.MoE() {
		return nil
	}
	load := zeroLoad(g.cfg)
	for l, st := range g.moe {
		st.load(load[l])
	}
	return load
}

// Temperature is the τ the graph's log-probs and entropies are taken at.
func (g *Graph) Temperature() float64 { return g.temperature }

// SetInputs binds the token ids (Batch rows of SeqLen ids; right-pad short sequences with any
// valid id) and the next-token targets scored by Logp (same shape; targets under padding are
// scored too, so give them zero weight in the loss).
func (g *Graph) SetInputs(ids, targets [][]int) error {
	if err := g.checkTokens("ids", ids); err != nil {
		return err
	}
	if err := g.checkTokens("targets", targets); err != nil {
		return err
	}
	idData := g.ids.Data().([]int)
	oh := g.onehot.Data().([]float32)
	clear(oh)
	V := g.cfg.Vocab
	for b := range ids {
		for t := range ids[b] {
			r := b*g.SeqLen + t
			idData[r] = ids[b][t]
			oh[r*V+targets[b][t]] = 1
		}
	}
	return nil
}

func (g *Graph) checkTokens(what string, x [][]int) error {
	if len(x) != g.Batch {
		return fmt.Errorf("model: SetInputs: %d rows of %s, want Batch %d", len(x), what, g.Batch)
	}
	for b, seq := range x {
		if len(seq) != g.SeqLen {
			return fmt.Errorf("model: SetInputs: %s row %d has %d tokens, want SeqLen %d", what, b, len(seq), g.SeqLen)
		}
		for t, tok := range seq {
			if tok < 0 || tok >= g.cfg.Vocab {
				return fmt.Errorf("model: SetInputs: %s[%d][%d] = %d out of range [0, %d)", what, b, t, tok, g.cfg.Vocab)
			}
		}
	}
	return nil
}

// Outputs returns copies of Logp and Entropy as computed by the last run of a machine over G.
// (A node's Value after RunAll may be a buffer the machine has reused; these are read during the
// run.)
func (g *Graph) Outputs() (logp, entropy []float32, err error) {
	if g.logpVal == nil || g.entropyVal == nil {
		return nil, nil, fmt.Errorf("model: Graph.Outputs: the graph has not been run")
	}
	logp = append([]float32(nil), g.logpVal.Data().([]float32)...)
	entropy = append([]float32(nil), g.entropyVal.Data().([]float32)...)
	return logp, entropy, nil
}

// Grads copies the gradient of each weight node, as left by a machine run with
// BindDualValues(g.Weights...) after gorgonia.Grad, into dst (one slice per weight, in order).
// A dst[i] of length zero is allocated.
//
// Gorgonia adds each run's gradients to the weights' gradient buffers (measured: a second RunAll
// after m.Reset() doubles them), so call ZeroGrads before each step's run, or after reading;
// without it the gradients of successive steps pile up. Accumulating over several runs on purpose
// (micro-batches) is the other use of that behaviour.
func (g *Graph) Grads(dst [][]float32) error {
	if len(dst) != len(g.Weights) {
		return fmt.Errorf("model: Graph.Grads: %d slices for %d weights", len(dst), len(g.Weights))
	}
	for i, w := range g.Weights {
		v, err := w.Grad()
		if err != nil {
			return fmt.Errorf("model: Graph.Grads: %s: %w", w.Name(), err)
		}
		src, ok := v.Data().([]float32)
		if !ok {
			return fmt.Errorf("model: Graph.Grads: %s: gradient is %T, want []float32", w.Name(), v.Data())
		}
		if len(dst[i]) == 0 {
			dst[i] = make([]float32, len(src))
		}
		if len(dst[i]) != len(src) {
			return fmt.Errorf("model: Graph.Grads: %s: dst has %d values, want %d", w.Name(), len(dst[i]), len(src))
		}
		copy(dst[i], src)
	}
	return nil
}

// ZeroGrads sets the weights' gradient buffers to zero (see Grads). It is a no-op for weights that
// have no gradient buffer yet (before the first run).
func (g *Graph) ZeroGrads() {
	for _, w := range g.Weights {
		if v, err := w.Grad(); err == nil {
			if t, ok := v.(tensor.Tensor); ok {
				t.Zero()
			}
		}
	}
}

// builder assembles the graph, keeping the first error so the model reads as straight-line code.
type builder struct {
	g   *gorgonia.ExprGraph
	err error
}

// do records err and passes n through.
func (b *builder) do(n *gorgonia.Node, err error) *gorgonia.Node {
	if b.err == nil && err != nil {
		b.err = err
	}
	return n
}

func (b *builder) scalar(v float64) *gorgonia.Node {
	return gorgonia.NewConstant(float32(v))
}

func (b *builder) build(p *Params, batch, seqLen int, tau float64) (*Graph, error) {
	cfg := p.Config
	V := cfg.Vocab
	N := batch * seqLen
	gr := &Graph{G: b.g, Batch: batch, SeqLen: seqLen, cfg: cfg, temperature: tau}

	for _, t := range p.Tensors {
		val := tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data))
		opts := []gorgonia.NodeConsOpt{gorgonia.WithShape(t.Shape...), gorgonia.WithName(t.Name), gorgonia.WithValue(val)}
		var n *gorgonia.Node
		if len(t.Shape) == 1 {
			n = gorgonia.NewVector(b.g, tensor.Float32, opts...)
		} else {
			n = gorgonia.NewMatrix(b.g, tensor.Float32, opts...)
		}
		gr.Weights = append(gr.Weights, n)
	}
	W := gr.Weights

	// Inputs: token ids (read by the embedding op), one-hot targets.
	gr.ids = tensor.New(tensor.WithShape(N), tensor.WithBacking(make([]int, N)))
	gr.onehot = tensor.New(tensor.WithShape(N, V), tensor.WithBacking(make([]float32, N*V)))
	onehot := gorgonia.NewMatrix(b.g, tensor.Float32, gorgonia.WithShape(N, V), gorgonia.WithName("targets_onehot"), gorgonia.WithValue(gr.onehot))

	// Activations are (N, D) matrices, row r = b·SeqLen + t.
	var x *gorgonia.Node
	var rope *ropeTable // cos and sin of the rotary embedding, shared by the layers
	if cfg.posEmb() {
		x = b.do(gorgonia.ApplyOp(embedOp{baseOp: newBase(), ids: gr.ids.Data().([]int), seqLen: seqLen}, W[idxTokEmb], W[idxPosEmb]))
	} else {
		x = b.do(gorgonia.ApplyOp(embedOp{baseOp: newBase(), ids: gr.ids.Data().([]int), seqLen: seqLen, tokOnly: true}, W[idxTokEmb]))
	}
	if cfg.RoPE {
		rope = newRopeTable(seqLen, cfg.DModel/cfg.Heads, cfg.RoPEBase)
	}

	f := new(outBuf) // GELU's output, shared by the layers (see geluLinearOp)
	for l := 0; l < cfg.Layers; l++ {
		w := block(cfg, W, l)
		a := b.layerNorm(x, w[offLn1G], w[offLn1B])
		qkv := b.linear(a, w[offQKVW], w[offQKVB])
		if cfg.RoPE {
			qkv = b.rope(qkv, rope, seqLen, cfg.Heads)
		}
		var relBias *gorgonia.Node
		if cfg.RelBias {
			relBias = w[offRelBias]
		}
		o := b.attention(qkv, relBias, seqLen, cfg.Heads)
		x = b.do(gorgonia.ApplyOp(linearOp{baseOp: newBase(), residual: true}, o, w[offProjW], w[offProjB], x))
		h := b.layerNorm(x, w[cfg.off(offLn2G)], w[cfg.off(offLn2B)])
		if cfg.MoE() {
			st := new(moeState)
			gr.moe = append(gr.moe, st)
			x = b.moe(cfg, l, st, h, x, w[cfg.off(offMoE):])
			continue
		}
		u := b.linear(h, w[cfg.off(offFcW)], w[cfg.off(offFcB)])
		x = b.do(gorgonia.ApplyOp(geluLinearOp{baseOp: newBase(), f: f}, u, w[cfg.off(offOutW)], w[cfg.off(offOutB)], x))
	}
	nf := len(W) - 4
	logits := b.linear(b.layerNorm(x, W[nf], W[nf+1]), W[nf+2], W[nf+3])
	if tau != 1 {
		logits = b.do(gorgonia.Mul(logits, b.scalar(1/tau)))
	}
	logp := b.logSoftmax(logits) // (N, V)
	gr.Logp = b.do(gorgonia.Sum(b.do(gorgonia.HadamardProd(logp, onehot)), 1))
	gr.Entropy = b.do(gorgonia.Neg(b.do(gorgonia.Sum(b.do(gorgonia.HadamardProd(b.do(gorgonia.Exp(logp)), logp)), 1))))
	gr.MeanLogp = b.do(gorgonia.Mean(logp, 1))
	if b.err != nil {
		return nil, b.err
	}
	gorgonia.Read(gr.Logp, &gr.logpVal)
	gorgonia.Read(gr.Entropy, &gr.entropyVal)
	return gr, nil
}

// moe is x + MoE(h) for block l with MoE weights w (router.w, router.bias, the experts'), keeping
// its routing in st.
func (b *builder) moe(cfg Config, l int, st *moeState, h, x *gorgonia.Node, w []*gorgonia.Node) *gorgonia.Node {
	in := append(gorgonia.Nodes{h, x}, w...)
	return b.do(gorgonia.ApplyOp(moeOp{baseOp: newBase(), cfg: cfg, layer: l, st: st}, in...))
}

// linear is x @ w + bias for x (rows, in), w (in, out), bias (out).
func (b *builder) linear(x, w, bias *gorgonia.Node) *gorgonia.Node {
	return b.do(gorgonia.ApplyOp(linearOp{baseOp: newBase()}, x, w, bias))
}

// layerNorm normalises each row of x (N, D): g ⊙ (x - mean) / sqrt(var + ε) + bias.
func (b *builder) layerNorm(x, g, bias *gorgonia.Node) *gorgonia.Node {
	return b.do(gorgonia.ApplyOp(layerNormOp{newBase()}, x, g, bias))
}

// attention is causal multi-head self-attention, (N, 3D) q|k|v -> (N, D), over sequences of seqLen
// rows, with the relative position bias relBias (heads, Ctx) added to the scores unless it is nil.
func (b *builder) attention(qkv, relBias *gorgonia.Node, seqLen, heads int) *gorgonia.Node {
	if relBias == nil {
		return b.do(gorgonia.ApplyOp(attentionOp{baseOp: newBase(), seqLen: seqLen, heads: heads}, qkv))
	}
	return b.do(gorgonia.ApplyOp(attentionOp{baseOp: newBase(), seqLen: seqLen, heads: heads, relBias: true}, qkv, relBias))
}

// rope rotates every head's q and k of qkv (N, 3D), row r to position r mod seqLen (rope.go).
func (b *builder) rope(qkv *gorgonia.Node, tab *ropeTable, seqLen, heads int) *gorgonia.Node {
	return b.do(gorgonia.ApplyOp(ropeOp{baseOp: newBase(), seqLen: seqLen, heads: heads, tab: tab}, qkv))
}

// logSoftmax is log softmax over the rows of x (N, V): x - max(x) - log Σ exp(x - max(x)).
func (b *builder) logSoftmax(x *gorgonia.Node) *gorgonia.Node {
	return b.do(gorgonia.ApplyOp(logSoftmaxOp{newBase()}, x))
}
