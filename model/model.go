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
//	h_t    = tok_emb[x_t] + pos_emb[t]        (h_t = tok_emb[x_t] with Config.RoPE or Config.RelBias)
//	block i (pre-LN, residual):
//	  a    = LN(h; ln1)                      LN(x; g, b) = g ⊙ (x - mean(x)) / sqrt(var(x) + 1e-5) + b
//	  q|k|v = a @ attn.qkv.w + attn.qkv.b    (columns [0,D) are q, [D,2D) k, [2D,3D) v; head j uses
//	                                          columns [j·d, (j+1)·d) of each)
//	  q, k = R_t q, R_t k                    (with Config.RoPE only: see below)
//	  o_t  = concat_j softmax_{s≤t}(q_t·k_s / sqrt(d)) v_s     (causal attention, per head;
//	                                          + attn.rel_bias[j][t−s] inside with Config.RelBias)
//	  h   += o @ attn.proj.w + attn.proj.b
//	  h   += GELU(LN(h; ln2) @ mlp.fc.w + mlp.fc.b) @ mlp.out.w + mlp.out.b
//	logits = LN(h; ln_f) @ head.w + head.b
//	π(· | x_0..x_t) = softmax(logits_t / τ)
//
// With Config.Experts > 0 the MLP line becomes a mixture of experts (DeepSeekMoE / DeepSeek-V3;
// formulas and gradients in moe.go): with a = LN(h; ln2),
//
//	h   += Σ_shared FFN_s(a) + γ Σ_{i ∈ TopK(σ(a @ router.w) + router.bias)} g_i FFN_i(a)
//
// each FFN the MLP above at width ExpertDFF, g_i = s_i / Σ_{j∈TopK} s_j the normalised sigmoid
// affinities, γ = RoutedScale (1 if unset); router.bias only selects, and is trained by
// Params.UpdateRouterBias, not by gradient.
//
// With Config.RoPE (rotary position embedding, Su et al. 2021, "RoFormer") there is no pos_emb:
// instead R_t rotates each head's slice x of q and of k at position t (t = 0 for the first
// token) in d/2 planes, pairing x[i] with x[i+d/2] as Hugging Face Llama's rotate_half (GPT-NeoX)
// does, so that the weights load there without permutation: for i in [0, d/2), θ_i = 10000^(−2i/d),
//
//	(R_t x)[i]       = x[i]·cos(tθ_i) − x[i+d/2]·sin(tθ_i)
//	(R_t x)[i+d/2]   = x[i+d/2]·cos(tθ_i) + x[i]·sin(tθ_i)
//
// and v is left alone. Since R_tᵀ R_s = R_{s−t}, (R_t q)·(R_s k) = q·R_{s−t} k: the scores, and so
// the whole policy, see positions only through their differences (rope.go).
//
// With Config.RelBias (a learned relative position bias: T5's relative attention bias without
// its buckets, one scalar per head and distance; the learned form of ALiBi) there is no pos_emb
// either: head j of block i adds the learned scalar b[j][t−s] = blocks.i.attn.rel_bias[j][t−s]
// to its score for query position t and key position s ≤ t,
//
//	o_t  = concat_j softmax_{s≤t}(q_t·k_s / sqrt(d) + b[j][t−s]) v_s
//
// so that, again, positions enter only through their differences (δ = t−s in [0, Ctx)). The
// bias starts at zero, where attention is as without it. RelBias and RoPE may be combined: q and
// k are rotated, and the bias added to their rotated product.
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
//	pos_emb               [Ctx, D]   absent with Config.RoPE or Config.RelBias
//	for each block i = 0..Layers-1:
//	blocks.i.ln1.g        [D]
//	blocks.i.ln1.b        [D]
//	blocks.i.attn.qkv.w   [D, 3D]
//	blocks.i.attn.qkv.b   [3D]
//	blocks.i.attn.proj.w  [D, D]
//	blocks.i.attn.proj.b  [D]
//	blocks.i.attn.rel_bias [H, Ctx]  with Config.RelBias only: [j][δ] is head j's bias at distance δ
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
// With experts (E = Experts, S = SharedExperts, Fe = ExpertDFF), each block's four mlp.* tensors
// are replaced by
//
//	blocks.i.moe.router.w            [D, E]
//	blocks.i.moe.router.bias         [E]    selection bias: no gradient (see UpdateRouterBias)
//	blocks.i.moe.shared.s.fc.w       [D, Fe]   for s = 0..S-1, then
//	blocks.i.moe.shared.s.fc.b       [Fe]
//	blocks.i.moe.shared.s.out.w      [Fe, D]
//	blocks.i.moe.shared.s.out.b      [D]
//	blocks.i.moe.expert.e.fc.w ...   the same four for e = 0..E-1
//
// Checkpoints store the tensors under these names and shapes. Note that the weights are stored
// [in, out], the transpose of PyTorch's nn.Linear.weight.
package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Config is the shape of the model.
type Config struct {
	Vocab  int // vocabulary size: token ids are in [0, Vocab) (20 for env/arith)
	Ctx    int // maximum sequence length, prompt and completion together (learned positions, RoPE or RelBias)
	DModel int // width of the residual stream, D
	Heads  int // attention heads; each has DModel/Heads dimensions
	Layers int // transformer blocks
	DFF    int // hidden width of each block's MLP (4·DModel in GPT-2); unused when Experts > 0

	// RoPE puts a rotary position embedding (RoFormer, in Hugging Face Llama's rotate_half form;
	// see the package comment) on every head's queries and keys instead of the learned absolute
	// pos_emb. With it Params have no pos_emb tensor (the parameter list is tok_emb, then the
	// blocks, ...), so a policy holds no absolute position at all and q_t·k_s depends on
	// positions only through t − s. It needs an even head dimension DModel/Heads; Ctx still
	// bounds the sequence length. Omitted from JSON when false, so a config without it encodes
	// as it did before it existed.
	RoPE bool `json:",omitempty"`
	// RoPEBase is the base of RoPE's frequencies, θ_i = RoPEBase^(−2i/d); 0 means RoFormer's
	// 10,000. Over the 20-odd positions of a prompt and answer, only the fastest few planes of
	// a 32-dimension head turn far enough at 10,000 to tell neighbouring tokens apart; a smaller
	// base turns more of them.
	RoPEBase float64 `json:",omitempty"`

	// RelBias adds a learned relative position bias to every head's attention scores (T5's
	// relative attention bias, unbucketed: one scalar per head and distance t−s in [0, Ctx); see
	// the package comment): each block gains a tensor attn.rel_bias of shape [Heads, Ctx],
	// initialised to zero, and, as with RoPE, Params have no pos_emb, so the policy sees
	// positions only through distances. It may be combined with RoPE. Omitted from JSON when
	// false, so a config without it encodes as it did before it existed.
	RelBias bool `json:",omitempty"`

	// Mixture of experts (DeepSeekMoE; see moe.go). Zero Experts, the default, keeps the dense MLP
	// above and requires the other three to be zero; Experts > 0 replaces every block's MLP by
	// SharedExperts always-active experts plus TopK of Experts routed ones, each a GELU MLP of
	// hidden width ExpertDFF. The fields are omitted from JSON when zero, so a dense config
	// encodes as it did before they existed.
	Experts       int `json:",omitempty"` // routed experts per block, E
	SharedExperts int `json:",omitempty"` // shared experts per block, applied to every token
	TopK          int `json:",omitempty"` // routed experts per token, K (1 ≤ K ≤ E)
	ExpertDFF     int `json:",omitempty"` // hidden width of one expert, routed or shared
	// RoutedScale multiplies the routed experts' gates, DeepSeek-V3's routed scaling factor
	// (2.5 there): the normalised gates sum to 1, so without it the K routed experts together
	// weigh as much as one shared expert. 0 means 1. Measured on the default run with the
	// default mixture (one seed each), 3, which makes the routed experts weigh as much as the
	// dense MLP's units they replace, ended at 98.8% held-out after dipping to 79% in the last
	// 1,000 steps, where 1 ended at 99.0% and never fell under 95.8% there: so 1 stays.
	RoutedScale float64 `json:",omitempty"`
}

// routedScale is the factor on the routed gates: RoutedScale, or 1 when unset.
func (c Config) routedScale() float64 {
	if c.RoutedScale == 0 {
		return 1
	}
	return c.RoutedScale
}

// DefaultConfig is the reference policy: about 406k parameters.
func DefaultConfig() Config {
	return Config{Vocab: 20, Ctx: 32, DModel: 128, Heads: 4, Layers: 2, DFF: 512}
}

// DefaultMoEConfig is DefaultConfig with each block's MLP replaced by a DeepSeekMoE-style mixture:
// 16 routed experts of width DFF/4 = 128, top-3, and one shared expert of the same width, so that
// a token passes through 4·128 = 512 hidden units, as in the dense model. It has 1,269,556
// parameters, of which 410,932 are active per token (the dense model's 406,036 plus the routers
// and the experts' extra biases). DFF, unused, is 0.
func DefaultMoEConfig() Config {
	c := DefaultConfig()
	c.DFF = 0
	c.Experts, c.SharedExperts, c.TopK, c.ExpertDFF = 16, 1, 3, 128
	return c
}

// maxParams bounds NumParams so that no size computation overflows and a typo in a config file
// fails clearly instead of exhausting memory; maxExperts bounds the number of tensors likewise
// (DeepSeek-V3 has 256 routed experts per layer), and maxCtx the sequence length, which under
// RoPE alone sizes no parameter but every sampler's tables and caches.
const (
	maxParams  = 1 << 30
	maxExperts = 1 << 12
	maxCtx     = 1 << 16
)

// FP8Linear reports whether the named parameter is one DeepSeek-V3 keeps in FP8: the weight
// matrix of a block's linear layer (attention qkv and projection, the MLP's or an expert's fc and
// out). The embeddings, the output head, the MoE router, biases and LayerNorm gains stay in
// higher precision, as V3 keeps them (its report, §3.3.1). Measured on a policy trained with FP8
// rollouts, rounding the embeddings and head as well made the rounded policy's sampling
// distribution 2.4 to 15 times further (k3 KL) from the policy's own.
func FP8Linear(name string) bool {
	if !strings.HasPrefix(name, "blocks.") {
		return false
	}
	for _, suffix := range []string{".attn.qkv.w", ".attn.proj.w", ".fc.w", ".out.w"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// MoE reports whether c replaces the dense MLP by a mixture of experts.
func (c Config) MoE() bool { return c.Experts > 0 }

// posEmb reports whether c has the learned absolute position embedding pos_emb: neither RoPE nor
// RelBias, which see positions only through distances.
func (c Config) posEmb() bool { return !c.RoPE && !c.RelBias }

// Validate reports whether c describes a model that can be built.
func (c Config) Validate() error {
	type field struct {
		name string
		v    int
	}
	for _, f := range []field{{"Experts", c.Experts}, {"SharedExperts", c.SharedExperts}, {"TopK", c.TopK}, {"ExpertDFF", c.ExpertDFF}, {"DFF", c.DFF}} {
		if f.v < 0 {
			return fmt.Errorf("model: %s %d must not be negative", f.name, f.v)
		}
	}
	if !c.MoE() {
		for _, f := range []field{{"SharedExperts", c.SharedExperts}, {"TopK", c.TopK}, {"ExpertDFF", c.ExpertDFF}} {
			if f.v != 0 {
				return fmt.Errorf("model: %s %d set without routed experts (Experts 0 means the dense MLP)", f.name, f.v)
			}
		}
	}
	positive := []field{{"Vocab", c.Vocab}, {"Ctx", c.Ctx}, {"DModel", c.DModel}, {"Heads", c.Heads}, {"Layers", c.Layers}}
	if c.MoE() {
		positive = append(positive, field{"TopK", c.TopK}, field{"ExpertDFF", c.ExpertDFF})
	} else {
		positive = append(positive, field{"DFF", c.DFF})
	}
	for _, f := range positive {
		if f.v <= 0 {
			return fmt.Errorf("model: %s %d must be positive", f.name, f.v)
		}
	}
	if c.Ctx > maxCtx {
		return fmt.Errorf("model: Ctx %d exceeds the limit of %d", c.Ctx, maxCtx)
	}
	if c.DModel%c.Heads != 0 {
		return fmt.Errorf("model: DModel %d not divisible by Heads %d", c.DModel, c.Heads)
	}
	if !(c.RoPEBase == 0 || c.RoPEBase > 1) || math.IsInf(c.RoPEBase, 0) || (c.RoPEBase != 0 && !c.RoPE) {
		return fmt.Errorf("model: RoPEBase %v must be 0 (10,000) or a finite number above 1, and needs RoPE", c.RoPEBase)
	}
	if d := c.DModel / c.Heads; c.RoPE && d%2 != 0 {
		return fmt.Errorf("model: RoPE needs an even head dimension, but DModel %d / Heads %d = %d is odd", c.DModel, c.Heads, d)
	}
	if !(c.RoutedScale >= 0) || math.IsInf(c.RoutedScale, 0) {
		return fmt.Errorf("model: RoutedScale %v must be a finite non-negative number", c.RoutedScale)
	}
	if !c.MoE() && c.RoutedScale != 0 {
		return fmt.Errorf("model: RoutedScale %v set without routed experts (Experts 0 means the dense MLP)", c.RoutedScale)
	}
	if c.MoE() {
		if c.TopK > c.Experts {
			return fmt.Errorf("model: TopK %d exceeds Experts %d", c.TopK, c.Experts)
		}
		if c.Experts > maxExperts || c.SharedExperts > maxExperts-c.Experts {
			return fmt.Errorf("model: %d routed and %d shared experts exceed the limit of %d", c.Experts, c.SharedExperts, maxExperts)
		}
	}
	if n := c.numParamsFloat(); n > maxParams {
		return fmt.Errorf("model: %.3g parameters exceed the limit of %d", n, maxParams)
	}
	return nil
}

// numParamsFloat is NumParams in float64, safe from overflow for any config: the sizes of the
// tensors of shapes, added up by formula (TestNumParams holds the two to each other).
func (c Config) numParamsFloat() float64 {
	V, Ctx, D, F := float64(c.Vocab), float64(c.Ctx), float64(c.DModel), float64(c.DFF)
	block := 4*D + 3*D*D + 3*D + D*D + D // ln1, ln2, attn.qkv, attn.proj
	if c.RelBias {
		block += float64(c.Heads) * Ctx // attn.rel_bias
	}
	if c.MoE() {
		E, S := float64(c.Experts), float64(max(c.SharedExperts, 0))
		block += D*E + E + (S+E)*c.expertParamsFloat()
	} else {
		block += 2*D*F + F + D
	}
	pos := Ctx * D // pos_emb
	if !c.posEmb() {
		pos = 0
	}
	return V*D + pos + float64(max(c.Layers, 0))*block + 2*D + D*V + V
}

// expertParamsFloat is the size of one expert (or of the dense MLP at width ExpertDFF):
// fc.w, fc.b, out.w, out.b.
func (c Config) expertParamsFloat() float64 {
	D, Fe := float64(c.DModel), float64(c.ExpertDFF)
	return 2*D*Fe + Fe + D
}

// NumParams is the number of scalar parameters of a model with config c (valid or not).
func (c Config) NumParams() int {
	return int(c.numParamsFloat())
}

// ActiveParams is the number of parameters a token is computed with: NumParams less, in every
// block, the Experts - TopK routed experts it is not sent to. Everything else counts, the router
// (weights and selection bias), the shared experts, attention, LayerNorms, embeddings and head
// included. For a dense config it is NumParams.
func (c Config) ActiveParams() int {
	n := c.numParamsFloat()
	if c.MoE() {
		n -= float64(max(c.Layers, 0)) * float64(max(c.Experts-c.TopK, 0)) * c.expertParamsFloat()
	}
	return int(n)
}

type namedShape struct {
	name  string
	shape []int
}

// shapes lists the parameter tensors in their documented order.
func (c Config) shapes() []namedShape {
	V, D, F := c.Vocab, c.DModel, c.DFF
	s := []namedShape{{"tok_emb", []int{V, D}}}
	if c.posEmb() {
		s = append(s, namedShape{"pos_emb", []int{c.Ctx, D}})
	}
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("blocks.%d.", i)
		s = append(s,
			namedShape{p + "ln1.g", []int{D}},
			namedShape{p + "ln1.b", []int{D}},
			namedShape{p + "attn.qkv.w", []int{D, 3 * D}},
			namedShape{p + "attn.qkv.b", []int{3 * D}},
			namedShape{p + "attn.proj.w", []int{D, D}},
			namedShape{p + "attn.proj.b", []int{D}},
		)
		if c.RelBias {
			s = append(s, namedShape{p + "attn.rel_bias", []int{c.Heads, c.Ctx}})
		}
		s = append(s,
			namedShape{p + "ln2.g", []int{D}},
			namedShape{p + "ln2.b", []int{D}},
		)
		if !c.MoE() {
			s = appendFFN(s, p+"mlp.", D, F)
			continue
		}
		s = append(s,
			namedShape{p + "moe.router.w", []int{D, c.Experts}},
			namedShape{p + "moe.router.bias", []int{c.Experts}},
		)
		for k := 0; k < c.SharedExperts; k++ {
			s = appendFFN(s, fmt.Sprintf("%smoe.shared.%d.", p, k), D, c.ExpertDFF)
		}
		for k := 0; k < c.Experts; k++ {
			s = appendFFN(s, fmt.Sprintf("%smoe.expert.%d.", p, k), D, c.ExpertDFF)
		}
	}
	return append(s,
		namedShape{"ln_f.g", []int{D}},
		namedShape{"ln_f.b", []int{D}},
		namedShape{"head.w", []int{D, V}},
		namedShape{"head.b", []int{V}},
	)
}

// appendFFN appends the tensors of one GELU MLP of hidden width F, named prefix+"fc.w" and so on.
func appendFFN(s []namedShape, prefix string, D, F int) []namedShape {
	return append(s,
		namedShape{prefix + "fc.w", []int{D, F}},
		namedShape{prefix + "fc.b", []int{F}},
		namedShape{prefix + "out.w", []int{F, D}},
		namedShape{prefix + "out.b", []int{D}},
	)
}

// Indices into Params.Tensors: tok_emb, then pos_emb unless RoPE or RelBias (see firstBlock).
// The last four are always ln_f.g, ln_f.b, head.w, head.b.
const (
	idxTokEmb = 0
	idxPosEmb = 1 // only with c.posEmb()
)

// firstBlock is the index in Params.Tensors of block 0's first tensor: 2 after tok_emb and
// pos_emb, 1 with RoPE or RelBias, which have no pos_emb.
func (c Config) firstBlock() int {
	if !c.posEmb() {
		return idxTokEmb + 1
	}
	return idxPosEmb + 1
}

// perBlock is the number of tensors per block: 12 dense; 10 + 4·(SharedExperts + Experts) with
// experts; one more with RelBias.
func (c Config) perBlock() int {
	if c.MoE() {
		return c.off(offMoE) + 2 + 4*(c.SharedExperts+c.Experts)
	}
	return c.off(offOutB) + 1
}

// block returns block l's tensors (or nodes, or anything laid out like Params.Tensors).
func block[T any](c Config, all []T, l int) []T {
	n, first := c.perBlock(), c.firstBlock()
	return all[first+l*n : first+(l+1)*n]
}

// Offsets of a block's tensors from its first one, in the layout without RelBias: those up to
// offProjB hold for every config, the later ones through Config.off.
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

// With experts, the block's tensors from c.off(offMoE) on are the router's weights and selection bias,
// then the shared experts' and the routed experts' four tensors each (offFcW and so on from the
// expert's first).
const (
	offMoE        = offFcW
	offRouterW    = 0
	offRouterBias = 1
	offExperts    = 2
)

// offRelBias is the offset of attn.rel_bias, right after attn.proj.b, in a block of a config with
// RelBias.
const offRelBias = offProjB + 1

// off maps an offset of the layout without RelBias to c's: the same up to offProjB; with RelBias,
// one further for the later ones (ln2.g on), which follow attn.rel_bias.
func (c Config) off(k int) int {
	if c.RelBias && k > offProjB {
		return k + 1
	}
	return k
}

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
// so the residual stream's variance does not grow with depth, LayerNorm gains 1, biases 0 (and
// the relative position bias attn.rel_bias, so that attention starts as without it).
// Experts are initialised like the dense MLP (their out.w as residual projections), the router's
// weights like any other matrix, its selection bias at 0. All randomness comes from rng, drawn
// tensor by tensor in the documented order (so a dense model is what it was before experts).
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
		case len(t.Shape) == 1, hasSuffix(t.Name, ".rel_bias"): // biases; attention starts unbiased
			continue
		case hasSuffix(t.Name, "attn.proj.w"), hasSuffix(t.Name, ".out.w"): // mlp.out.w, moe.*.out.w
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
