// Package model is the policy: a tiny decoder-only transformer (GPT-2 shaped, pre-LayerNorm) whose
// parameters are plain []float32 slices shared by two engines:
//
//   - [Sampler], a plain-Go forward pass with a KV cache, for rollouts and scoring: it batches all
//     active sequences of a step into one matrix product per weight (the AVX2/AVX-512 Sgemm of
//     internal/kernel);
//   - [Graph], a gorgonia expression graph over the same slices (tensor.WithBacking) that yields
//     per-token log-probs and entropies, on which a trainer builds its loss and takes gradients;
//     its LayerNorm, linear layers, GELU and attention are fused ops whose gradients are written
//     beside their forward code (ops.go).
//
// Both are held to a slow, obvious float64 implementation kept in reference_test.go, the graph's
// gradients to finite differences of it.
//
// An optimizer that updates Params.Tensors[i].Data in place is seen by both at once. The package
// knows nothing of the task: token ids are ints in [0, Config.Vocab).
//
// # Architecture
//
// For a sequence of token ids x_0..x_{T-1} (T ≤ Ctx), with D = DModel, H = Heads, d = D/H:
//
//	h_t    = tok_emb[x_t] + pos_emb[t]
//	block i (pre-LN, residual):
//	  a    = LN(h; ln1)                      LN(x; g, b) = g ⊙ (x - mean(x)) / sqrt(var(x) + 1e-5) + b
//	  q|k|v = a @ attn.qkv.w + attn.qkv.b    (columns [0,D) are q, [D,2D) k, [2D,3D) v; head j uses
//	                                          columns [j·d, (j+1)·d) of each)
//	  o_t  = concat_j softmax_{s≤t}(q_t·k_s / sqrt(d)) v_s     (causal attention, per head)
//	  h   += o @ attn.proj.w + attn.proj.b
//	  h   += GELU(LN(h; ln2) @ mlp.fc.w + mlp.fc.b) @ mlp.out.w + mlp.out.b
//	logits = LN(h; ln_f) @ head.w + head.b
//	π(· | x_0..x_t) = softmax(logits_t / τ)
//
// GELU is the tanh form, GELU(u) = u/2 · (1 + tanh(sqrt(2/π) (u + 0.044715 u³))), and τ is a
// sampling temperature fixed per call (1 by default) so that the sampler's and the graph's
// log-probs are of the same distribution.
//
// # Parameter layout
//
// Params.Tensors holds, in this order (row-major, "x @ W" convention: a weight of shape [in, out]
// maps a row vector of width in to one of width out), with V = Vocab, F = DFF:
//
//	tok_emb               [V, D]
//	pos_emb               [Ctx, D]
//	for each block i = 0..Layers-1:
//	blocks.i.ln1.g        [D]
//	blocks.i.ln1.b        [D]
//	blocks.i.attn.qkv.w   [D, 3D]
//	blocks.i.attn.qkv.b   [3D]
//	blocks.i.attn.proj.w  [D, D]
//	blocks.i.attn.proj.b  [D]
//	blocks.i.ln2.g        [D]
//	blocks.i.ln2.b        [D]
//	blocks.i.mlp.fc.w     [D, F]
//	blocks.i.mlp.fc.b     [F]
//	blocks.i.mlp.out.w    [F, D]
//	blocks.i.mlp.out.b    [D]
//	ln_f.g                [D]
//	ln_f.b                [D]
//	head.w                [D, V]
//	head.b                [V]
//
// Checkpoints store the tensors under these names and shapes. Note that the weights are stored
// [in, out], the transpose of PyTorch's nn.Linear.weight.
package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Config is the shape of the model.
type Config struct {
	Vocab  int // vocabulary size: token ids are in [0, Vocab) (20 for env/arith)
	Ctx    int // maximum sequence length, prompt and completion together (positions are learned)
	DModel int // width of the residual stream, D
	Heads  int // attention heads; each has DModel/Heads dimensions
	Layers int // transformer blocks
	DFF    int // hidden width of each block's MLP (4·DModel in GPT-2)
}

// DefaultConfig is the reference policy: about 406k parameters.
func DefaultConfig() Config {
	return Config{Vocab: 20, Ctx: 32, DModel: 128, Heads: 4, Layers: 2, DFF: 512}
}

// maxParams bounds NumParams so that no size computation overflows and a typo in a config file
// fails clearly instead of exhausting memory.
const maxParams = 1 << 30

// Validate reports whether c describes a model that can be built.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"Vocab", c.Vocab}, {"Ctx", c.Ctx}, {"DModel", c.DModel}, {"Heads", c.Heads}, {"Layers", c.Layers}, {"DFF", c.DFF}} {
		if f.v <= 0 {
			return fmt.Errorf("model: %s %d must be positive", f.name, f.v)
		}
	}
	if c.DModel%c.Heads != 0 {
		return fmt.Errorf("model: DModel %d not divisible by Heads %d", c.DModel, c.Heads)
	}
	if n := c.numParamsFloat(); n > maxParams {
		return fmt.Errorf("model: %.3g parameters exceed the limit of %d", n, maxParams)
	}
	return nil
}

// numParamsFloat is NumParams in float64, safe from overflow for any positive config.
func (c Config) numParamsFloat() float64 {
	var n float64
	for _, s := range c.shapes() {
		size := 1.0
		for _, d := range s.shape {
			size *= float64(d)
		}
		n += size
	}
	return n
}

// NumParams is the number of scalar parameters of a model with config c (valid or not).
func (c Config) NumParams() int {
	return int(c.numParamsFloat())
}

type namedShape struct {
	name  string
	shape []int
}

// shapes lists the parameter tensors in their documented order.
func (c Config) shapes() []namedShape {
	V, D, F := c.Vocab, c.DModel, c.DFF
	s := []namedShape{{"tok_emb", []int{V, D}}, {"pos_emb", []int{c.Ctx, D}}}
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("blocks.%d.", i)
		s = append(s,
			namedShape{p + "ln1.g", []int{D}},
			namedShape{p + "ln1.b", []int{D}},
			namedShape{p + "attn.qkv.w", []int{D, 3 * D}},
			namedShape{p + "attn.qkv.b", []int{3 * D}},
			namedShape{p + "attn.proj.w", []int{D, D}},
			namedShape{p + "attn.proj.b", []int{D}},
			namedShape{p + "ln2.g", []int{D}},
			namedShape{p + "ln2.b", []int{D}},
			namedShape{p + "mlp.fc.w", []int{D, F}},
			namedShape{p + "mlp.fc.b", []int{F}},
			namedShape{p + "mlp.out.w", []int{F, D}},
			namedShape{p + "mlp.out.b", []int{D}},
		)
	}
	return append(s,
		namedShape{"ln_f.g", []int{D}},
		namedShape{"ln_f.b", []int{D}},
		namedShape{"head.w", []int{D, V}},
		namedShape{"head.b", []int{V}},
	)
}

// Indices into Params.Tensors.
const (
	idxTokEmb     = 0
	idxPosEmb     = 1
	idxFirstBlock = 2
	perBlock      = 12 // tensors per block
)

// Offsets of a block's tensors from its first one.
const (
	offLn1G = iota
	offLn1B
	offQKVW
	offQKVB
	offProjW
	offProjB
	offLn2G
	offLn2B
	offFcW
	offFcB
	offOutW
	offOutB
)

// Tensor is one named parameter array, row-major.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32 // len = product of Shape
}

// Params are a model's parameters: Tensors in the order and with the names documented in the
// package comment. Engines built on Params read Data in place, so an update must write into the
// existing slices (copy, or element by element), never replace them.
type Params struct {
	Config  Config
	Tensors []*Tensor
}

// Init scales of GPT-2 (Radford et al. 2019; nanoGPT's _init_weights).
const initStd = 0.02

// New returns freshly initialised parameters, GPT-2 style: embeddings and weights drawn from
// N(0, 0.02²), the residual projections (attn.proj.w, mlp.out.w) from N(0, (0.02/sqrt(2·Layers))²)
// so the residual stream's variance does not grow with depth, LayerNorm gains 1, biases 0.
// All randomness comes from rng.
func New(cfg Config, rng *rand.Rand) (*Params, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, errors.New("model: New needs a random source, got nil")
	}
	p, err := Zero(cfg)
	if err != nil {
		return nil, err
	}
	resid := initStd / math.Sqrt(2*float64(cfg.Layers))
	for _, t := range p.Tensors {
		var std float64
		switch {
		case hasSuffix(t.Name, ".g"):
			for k := range t.Data {
				t.Data[k] = 1
			}
			continue
		case len(t.Shape) == 1: // biases
			continue
		case hasSuffix(t.Name, "attn.proj.w"), hasSuffix(t.Name, "mlp.out.w"):
			std = resid
		default:
			std = initStd
		}
		for k := range t.Data {
			t.Data[k] = float32(std * rng.NormFloat64())
		}
	}
	return p, nil
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// Zero returns parameters of config cfg with every value zero, in the documented order: the
// skeleton a checkpoint loader fills.
func Zero(cfg Config) (*Params, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Params{Config: cfg}
	for _, s := range cfg.shapes() {
		n := 1
		for _, d := range s.shape {
			n *= d
		}
		p.Tensors = append(p.Tensors, &Tensor{Name: s.name, Shape: append([]int(nil), s.shape...), Data: make([]float32, n)})
	}
	return p, nil
}

// Clone returns a deep copy of p (a frozen reference policy, say).
func (p *Params) Clone() *Params {
	q := &Params{Config: p.Config, Tensors: make([]*Tensor, len(p.Tensors))}
	for i, t := range p.Tensors {
		q.Tensors[i] = &Tensor{
			Name:  t.Name,
			Shape: append([]int(nil), t.Shape...),
			Data:  append([]float32(nil), t.Data...),
		}
	}
	return q
}

// Lookup returns the tensor called name, or nil if there is none.
func (p *Params) Lookup(name string) *Tensor {
	for _, t := range p.Tensors {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Check reports whether p is consistent with its Config: a valid config, and exactly the
// documented tensors in order, with the documented shapes and data of matching length.
func (p *Params) Check() error {
	if p == nil {
		return errors.New("model: nil Params")
	}
	if err := p.Config.Validate(); err != nil {
		return err
	}
	want := p.Config.shapes()
	if len(p.Tensors) != len(want) {
		return fmt.Errorf("model: %d tensors, want %d for config %+v", len(p.Tensors), len(want), p.Config)
	}
	for i, s := range want {
		t := p.Tensors[i]
		if t == nil {
			return fmt.Errorf("model: tensor %d (%s) is nil", i, s.name)
		}
		if t.Name != s.name {
			return fmt.Errorf("model: tensor %d is %q, want %q", i, t.Name, s.name)
		}
		if !equalInts(t.Shape, s.shape) {
			return fmt.Errorf("model: tensor %s has shape %v, want %v", t.Name, t.Shape, s.shape)
		}
		n := 1
		for _, d := range s.shape {
			n *= d
		}
		if len(t.Data) != n {
			return fmt.Errorf("model: tensor %s has %d values, want %d", t.Name, len(t.Data), n)
		}
	}
	return nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// minTemperature is the smallest positive temperature accepted: below it logits/τ overflow
// float32 long before the distribution differs from greedy decoding (temperature 0).
const minTemperature = 1e-3

// checkTemperature validates τ and maps the default 0 to 1 (for scoring; Generate treats 0 as
// greedy decoding whose log-probs are also reported at τ = 1).
func checkTemperature(temperature float64) (float64, error) {
	if math.IsNaN(temperature) || math.IsInf(temperature, 0) || temperature < 0 {
		return 0, fmt.Errorf("model: temperature %v must be finite and non-negative", temperature)
	}
	if temperature == 0 {
		return 1, nil
	}
	if temperature < minTemperature {
		return 0, fmt.Errorf("model: temperature %v below %v (use 0 for greedy decoding)", temperature, minTemperature)
	}
	return temperature, nil
}
