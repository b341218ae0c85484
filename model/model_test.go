package model

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"mathzero/internal/kernel"
)

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	if err := ok.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.DModel = 130 }, "model: DModel 130 not divisible by Heads 4"},
		{func(c *Config) { c.Vocab = 0 }, "model: Vocab 0 must be positive"},
		{func(c *Config) { c.Ctx = -1 }, "model: Ctx -1 must be positive"},
		{func(c *Config) { c.Heads = 0 }, "model: Heads 0 must be positive"},
		{func(c *Config) { c.Layers = 0 }, "model: Layers 0 must be positive"},
		{func(c *Config) { c.DFF = 0 }, "model: DFF 0 must be positive"},
		{func(c *Config) { c.DModel, c.DFF = 1<<20, 1<<20 }, "exceed the limit"},
		{func(c *Config) { c.Vocab = math.MaxInt }, "exceed the limit"},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v.Validate() = %v; want %q", c, err, tc.want)
		}
		if p, err := New(c, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("New(%+v) = %d tensors, nil error; want an error", c, len(p.Tensors))
		}
	}
}

func TestNumParams(t *testing.T) {
	for _, c := range []Config{DefaultConfig(), tinyConfig(), {Vocab: 3, Ctx: 2, DModel: 2, Heads: 1, Layers: 1, DFF: 1}, withRelBias(tinyConfig()), withRoPE(withRelBias(tinyConfig()))} {
		p, err := Zero(c)
		must(t, err)
		n := 0
		for _, tn := range p.Tensors {
			n += len(tn.Data)
		}
		if got := c.NumParams(); got != n {
			t.Errorf("%+v.NumParams() = %d; the tensors hold %d", c, got, n)
		}
	}
	// The reference policy of the project's notes: D 128, 2 layers, 4 heads, MLP 512.
	if got := DefaultConfig().NumParams(); got != 406036 {
		t.Errorf("DefaultConfig().NumParams() = %d; want 406036", got)
	}
}

func TestNewInit(t *testing.T) {
	c := DefaultConfig()
	p, err := New(c, rand.New(rand.NewPCG(1, 2)))
	must(t, err)
	must(t, p.Check())
	std := func(x []float32) float64 {
		var s, ss float64
		for _, v := range x {
			s += float64(v)
			ss += float64(v) * float64(v)
		}
		m := s / float64(len(x))
		return math.Sqrt(ss/float64(len(x)) - m*m)
	}
	for _, tc := range []struct {
		name string
		std  float64 // 0: constant
		val  float32
	}{
		{"tok_emb", 0.02, 0},
		{"blocks.0.attn.qkv.w", 0.02, 0},
		{"blocks.1.mlp.fc.w", 0.02, 0},
		{"blocks.0.attn.proj.w", 0.02 / math.Sqrt(4), 0},
		{"blocks.1.mlp.out.w", 0.02 / math.Sqrt(4), 0},
		{"blocks.0.ln1.g", 0, 1},
		{"ln_f.g", 0, 1},
		{"blocks.1.mlp.fc.b", 0, 0},
		{"head.b", 0, 0},
	} {
		tn := p.Lookup(tc.name)
		if tn == nil {
			t.Fatalf("Lookup(%q) = nil", tc.name)
		}
		if tc.std == 0 {
			for k, v := range tn.Data {
				if v != tc.val {
					t.Errorf("%s[%d] = %v; want %v", tc.name, k, v, tc.val)
					break
				}
			}
			continue
		}
		if got := std(tn.Data); math.Abs(got-tc.std) > 0.1*tc.std {
			t.Errorf("std of %s = %.4g; want %.4g", tc.name, got, tc.std)
		}
	}
	if p.Lookup("nope") != nil {
		t.Errorf(`Lookup("nope") != nil`)
	}
	// Seeded: the same seed gives the same parameters.
	q, err := New(c, rand.New(rand.NewPCG(1, 2)))
	must(t, err)
	for i := range p.Tensors {
		for k := range p.Tensors[i].Data {
			if p.Tensors[i].Data[k] != q.Tensors[i].Data[k] {
				t.Fatalf("New with one seed twice: %s[%d] = %v then %v", p.Tensors[i].Name, k, p.Tensors[i].Data[k], q.Tensors[i].Data[k])
			}
		}
	}
	if _, err := New(c, nil); err == nil {
		t.Errorf("New(nil rng): no error")
	}
}

func TestClone(t *testing.T) {
	p := newTiny(t, 1)
	q := p.Clone()
	must(t, q.Check())
	q.Tensors[0].Data[0] += 1
	q.Tensors[0].Shape[0] = 99
	if p.Tensors[0].Data[0] == q.Tensors[0].Data[0] || p.Tensors[0].Shape[0] == 99 {
		t.Errorf("Clone shares memory with the original")
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Params)
		want string
	}{
		{"missing tensor", func(p *Params) { p.Tensors = p.Tensors[1:] }, "tensors, want"},
		{"nil tensor", func(p *Params) { p.Tensors[4] = nil }, "tensor 4 (blocks.0.attn.qkv.w) is nil"},
		{"renamed", func(p *Params) { p.Tensors[0].Name = "emb" }, `tensor 0 is "emb", want "tok_emb"`},
		{"transposed", func(p *Params) { p.Tensors[4].Shape = []int{48, 16} }, "shape [48 16], want [16 48]"},
		{"short data", func(p *Params) { p.Tensors[1].Data = p.Tensors[1].Data[:3] }, "pos_emb has 3 values"},
		{"bad config", func(p *Params) { p.Config.Heads = 3 }, "not divisible"},
	} {
		p := newTiny(t, 2)
		tc.edit(p)
		if err := p.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check() = %v; want %q", tc.name, err, tc.want)
		}
		if _, err := NewGraph(p, 1, 2, 1); err == nil {
			t.Errorf("%s: NewGraph: no error", tc.name)
		}
	}
	var nilp *Params
	if err := nilp.Check(); err == nil {
		t.Errorf("nil Params: Check() = nil")
	}
}

func TestGraphErrors(t *testing.T) {
	p := newTiny(t, 3)
	for _, tc := range []struct {
		name          string
		batch, seqLen int
		temp          float64
		want          string
	}{
		{"zero batch", 0, 4, 1, "batch 0"},
		{"zero seqLen", 2, 0, 1, "seqLen 0"},
		{"seqLen > Ctx", 2, 13, 1, "seqLen 13 out of range [1, Ctx 12]"},
		{"negative temperature", 2, 4, -1, "temperature"},
		{"NaN temperature", 2, 4, math.NaN(), "temperature"},
	} {
		if _, err := NewGraph(p, tc.batch, tc.seqLen, tc.temp); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewGraph(%d, %d, %v) = %v; want %q", tc.name, tc.batch, tc.seqLen, tc.temp, err, tc.want)
		}
	}
	g, err := NewGraph(p, 2, 3, 0)
	must(t, err)
	if g.Temperature() != 1 {
		t.Errorf("NewGraph(temperature 0).Temperature() = %v; want 1", g.Temperature())
	}
	good := [][]int{{1, 2, 3}, {4, 5, 6}}
	for _, tc := range []struct {
		name         string
		ids, targets [][]int
		want         string
	}{
		{"few rows", [][]int{{1, 2, 3}}, good, "1 rows of ids, want Batch 2"},
		{"short row", [][]int{{1, 2, 3}, {4, 5}}, good, "ids row 1 has 2 tokens"},
		{"negative id", [][]int{{1, 2, 3}, {4, -5, 6}}, good, "ids[1][1] = -5 out of range"},
		{"target = vocab", good, [][]int{{1, 2, 3}, {4, 5, 11}}, "targets[1][2] = 11 out of range"},
		{"nil targets", good, nil, "0 rows of targets"},
	} {
		if err := g.SetInputs(tc.ids, tc.targets); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: SetInputs = %v; want %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := g.Outputs(); err == nil {
		t.Errorf("Outputs before any run: no error")
	}
	if err := g.Grads(make([][]float32, 3)); err == nil {
		t.Errorf("Grads with 3 slices: no error")
	}
}

// TestGELU checks the GELU both engines use (internal/kernel's, which has its own accuracy tests)
// against its tanh form.
func TestGELU(t *testing.T) {
	// GELU agrees with its tanh form.
	for u := float32(-12); u < 12; u += 0.001 {
		x := []float32{u}
		kernel.GELU(x, x)
		u64 := float64(u)
		want := 0.5 * u64 * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(u64+0.044715*u64*u64*u64)))
		if math.Abs(float64(x[0])-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("gelu(%v) = %v; want %v", u, x[0], want)
		}
	}
}

// TestFP8Linear: exactly the blocks' linear-layer matrices are FP8 candidates, dense or MoE.
func TestFP8Linear(t *testing.T) {
	for _, c := range []Config{DefaultConfig(), DefaultMoEConfig(), withRoPE(DefaultConfig()), withRelBias(DefaultConfig()), withRelBias(DefaultMoEConfig())} {
		p, err := Zero(c)
		must(t, err)
		var got []string
		for _, x := range p.Tensors {
			if FP8Linear(x.Name) {
				got = append(got, x.Name)
				if len(x.Shape) != 2 {
					t.Errorf("%s: FP8Linear accepts a tensor of shape %v", x.Name, x.Shape)
				}
			}
		}
		perBlock := 4 // qkv, proj, fc, out
		if c.MoE() {
			perBlock = 2 + 2*(c.SharedExperts+c.Experts)
		}
		if len(got) != c.Layers*perBlock {
			t.Errorf("%+v: FP8Linear accepts %d tensors, want %d: %v", c, len(got), c.Layers*perBlock, got)
		}
	}
	for name, want := range map[string]bool{
		"tok_emb": false, "pos_emb": false, "head.w": false, "head.b": false, "ln_f.g": false,
		"blocks.0.moe.router.w": false, "blocks.0.moe.router.bias": false, "blocks.0.ln1.g": false,
		"blocks.0.attn.qkv.b": false, "blocks.1.mlp.fc.b": false, "blocks.0.attn.rel_bias": false, "blocks.1.attn.rel_bias": false,
		"blocks.0.attn.qkv.w": true, "blocks.3.attn.proj.w": true, "blocks.0.mlp.out.w": true,
		"blocks.1.moe.expert.15.fc.w": true, "blocks.0.moe.shared.0.out.w": true,
		"": false, "blocks.": false, "xblocks.0.mlp.fc.w": false,
	} {
		if got := FP8Linear(name); got != want {
			t.Errorf("FP8Linear(%q) = %v, want %v", name, got, want)
		}
	}
}
