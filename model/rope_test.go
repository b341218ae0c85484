package model

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRoPERotate holds the table-driven rotation to the formula of the package comment, written
// out by hand for one vector (Hugging Face Llama's rotate_half pairing: x[i] with x[i+d/2]) and
// computed in float64 by refRotate for others, and checks that the inverse undoes it.
func TestRoPERotate(t *testing.T) {
	// d = 4, t = 1: θ_0 = 1, θ_1 = 10000^(-1/2) = 0.01.
	c0, s0, c1, s1 := math.Cos(1), math.Sin(1), math.Cos(0.01), math.Sin(0.01)
	x := []float32{1, 2, 3, 4}
	newRopeTable(2, 4, 0).rotate(x, 1, false)
	for i, want := range []float64{1*c0 - 3*s0, 2*c1 - 4*s1, 3*c0 + 1*s0, 4*c1 + 2*s1} {
		if math.Abs(float64(x[i])-want) > 1e-6 {
			t.Errorf("rotate([1 2 3 4], t=1)[%d] = %v; want %v", i, x[i], want)
		}
	}

	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct{ d, n, t int }{{2, 1, 0}, {2, 5, 4}, {4, 8, 7}, {16, 12, 3}, {32, 32, 31}, {128, 512, 511}} {
		tab := newRopeTable(tc.n, tc.d, 0)
		x := make([]float32, tc.d)
		ref := make([]float64, tc.d)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			ref[i] = float64(x[i])
		}
		orig := append([]float32(nil), x...)
		tab.rotate(x, tc.t, false)
		refRotate(ref, tc.t)
		for i := range x {
			if d := math.Abs(float64(x[i]) - ref[i]); d > 1e-5*math.Max(1, math.Abs(ref[i])) {
				t.Errorf("d %d, t %d: rotate[%d] = %v; want %v", tc.d, tc.t, i, x[i], ref[i])
			}
		}
		if tc.t == 0 {
			for i := range x {
				if x[i] != orig[i] {
					t.Errorf("d %d: rotate to position 0 changed [%d]: got %v; want %v", tc.d, i, x[i], orig[i])
				}
			}
		}
		tab.rotate(x, tc.t, true)
		for i := range x {
			if d := math.Abs(float64(x[i] - orig[i])); d > 1e-5*math.Max(1, math.Abs(float64(orig[i]))) {
				t.Errorf("d %d, t %d: inverse of rotate[%d] = %v; want %v", tc.d, tc.t, i, x[i], orig[i])
			}
		}
	}
}

// TestRoPERelative checks RoPE's defining property: R_t q · R_s k depends on t and s only through
// t − s, so it is unchanged when both move by c; and for t ≠ s it is not the plain q · k.
func TestRoPERelative(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	const n = 40
	rotDot := func(tab *ropeTable, q, k []float32, tq, tk int) float64 {
		q, k = append([]float32(nil), q...), append([]float32(nil), k...)
		tab.rotate(q, tq, false)
		tab.rotate(k, tk, false)
		var s float64
		for i := range q {
			s += float64(q[i]) * float64(k[i])
		}
		return s
	}
	for _, d := range []int{2, 8, 32} {
		tab := newRopeTable(n, d, 0)
		for _, pos := range []struct{ t, s int }{{0, 0}, {3, 0}, {0, 3}, {5, 2}, {7, 7}, {1, 9}} {
			q, k := make([]float32, d), make([]float32, d)
			for i := range q {
				q[i], k[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			}
			base := rotDot(tab, q, k, pos.t, pos.s)
			for _, c := range []int{1, 2, 5, 13, 30} {
				if got := rotDot(tab, q, k, pos.t+c, pos.s+c); math.Abs(got-base) > 1e-5*float64(d) {
					t.Errorf("d %d: R_%d q·R_%d k = %v; want R_%d q·R_%d k = %v", d, pos.t+c, pos.s+c, got, pos.t, pos.s, base)
				}
			}
			plain := rotDot(tab, q, k, 0, 0)
			if pos.t == pos.s {
				if math.Abs(base-plain) > 1e-5*float64(d) {
					t.Errorf("d %d, t = s = %d: R_t q·R_s k = %v; want q·k = %v", d, pos.t, base, plain)
				}
			} else if math.Abs(base-plain) < 1e-3 {
				t.Errorf("d %d, t %d, s %d: R_t q·R_s k = %v; want it to differ from q·k = %v", d, pos.t, pos.s, base, plain)
			}
		}
	}
}

// TestRoPEParams: a RoPE or RelBias config has no pos_emb, Ctx·D parameters fewer; RelBias adds
// one tensor blocks.i.attn.rel_bias [Heads, Ctx] right after attn.proj.b, initialised to zero;
// and every index into the tensors (blocks, offsets within them, the final four) still lands on
// the right name.
func TestRoPEParams(t *testing.T) {
	for _, base := range []Config{tinyConfig(), moeConfig(), DefaultConfig(), DefaultMoEConfig()} {
		for _, c := range []Config{withRoPE(base), withRelBias(base), withRoPE(withRelBias(base))} {
			testNoPosEmbParams(t, base, c)
		}
	}
	if got, want := withRoPE(DefaultConfig()).NumParams(), 406036-32*128; got != want {
		t.Errorf("DefaultConfig with RoPE: NumParams() = %d; want %d", got, want)
	}
	// Without pos_emb (32·128) and with 2 layers' rel_bias (2·4·32).
	if got, want := withRelBias(DefaultConfig()).NumParams(), 406036-32*128+2*4*32; got != want {
		t.Errorf("DefaultConfig with RelBias: NumParams() = %d; want %d", got, want)
	}
}

// testNoPosEmbParams checks the parameters of c, which is base with RoPE or RelBias or both.
func testNoPosEmbParams(t *testing.T, base, c Config) {
	p, err := New(c, rand.New(rand.NewPCG(1, 2)))
	must(t, err)
	must(t, p.Check())
	if tn := p.Lookup("pos_emb"); tn != nil {
		t.Errorf("%+v: Lookup(pos_emb) = %v; want nil", c, tn.Shape)
	}
	n := 0
	for _, tn := range p.Tensors {
		n += len(tn.Data)
	}
	if got := c.NumParams(); got != n {
		t.Errorf("%+v.NumParams() = %d; the tensors hold %d", c, got, n)
	}
	extra, perBlock := 0, base.perBlock() // rel_bias
	if c.RelBias {
		extra, perBlock = c.Layers*c.Heads*c.Ctx, perBlock+1
	}
	if got, want := c.NumParams(), base.NumParams()-base.Ctx*base.DModel+extra; got != want {
		t.Errorf("%+v.NumParams() = %d; want %d (without pos_emb)", c, got, want)
	}
	if got, want := c.ActiveParams(), base.ActiveParams()-base.Ctx*base.DModel+extra; got != want {
		t.Errorf("%+v.ActiveParams() = %d; want %d", c, got, want)
	}
	if got := c.perBlock(); got != perBlock {
		t.Errorf("%+v.perBlock() = %d; want %d", c, got, perBlock)
	}
	if got, want := len(p.Tensors), 1+c.Layers*c.perBlock()+4; got != want {
		t.Errorf("%+v: %d tensors; want %d", c, got, want)
	}
	if got := p.Tensors[1].Name; got != "blocks.0.ln1.g" {
		t.Errorf("%+v: tensor 1 is %s; want blocks.0.ln1.g", c, got)
	}
	for l := 0; l < c.Layers; l++ {
		b := block(c, p.Tensors, l)
		want := map[int]string{
			offLn1G: "ln1.g", offQKVW: "attn.qkv.w", offProjB: "attn.proj.b",
			c.off(offLn2G): "ln2.g", c.off(offLn2B): "ln2.b", len(b) - 1: ".out.b",
		}
		if c.MoE() {
			want[c.off(offMoE)+offRouterW] = "moe.router.w"
			want[c.off(offMoE)+offRouterBias] = "moe.router.bias"
			want[c.off(offMoE)+offExperts] = "moe.shared.0.fc.w"
		} else {
			want[c.off(offFcW)], want[c.off(offFcB)], want[c.off(offOutW)] = "mlp.fc.w", "mlp.fc.b", "mlp.out.w"
		}
		if c.RelBias {
			want[offRelBias] = "attn.rel_bias"
		}
		for off, suffix := range want {
			if pre := fmt.Sprintf("blocks.%d.", l); !strings.HasPrefix(b[off].Name, pre) || !strings.HasSuffix(b[off].Name, suffix) {
				t.Errorf("%+v: block %d tensor %d is %s; want %s...%s", c, l, off, b[off].Name, pre, suffix)
			}
		}
		if !c.RelBias {
			continue
		}
		rb := b[offRelBias]
		if rb.Name != fmt.Sprintf("blocks.%d.attn.rel_bias", l) || !equalInts(rb.Shape, []int{c.Heads, c.Ctx}) {
			t.Errorf("%+v: block %d has %s %v; want blocks.%d.attn.rel_bias [%d %d]", c, l, rb.Name, rb.Shape, l, c.Heads, c.Ctx)
		}
		for k, v := range rb.Data {
			if v != 0 {
				t.Errorf("%+v: New gives %s[%d] = %v; want 0", c, rb.Name, k, v)
				break
			}
		}
	}
	if got := p.Tensors[len(p.Tensors)-4].Name; got != "ln_f.g" {
		t.Errorf("%+v: tensor len-4 is %s; want ln_f.g", c, got)
	}
	// Parameters of one variant are not those of the other.
	other, err := Zero(base)
	must(t, err)
	other.Config = c
	if err := other.Check(); err == nil {
		t.Errorf("%+v: Check of Params with pos_emb = nil; want an error", c)
	}
}

// TestRoPEConfigJSON: configs without the field decode to RoPE false, configs without RoPE
// encode without it (as before it existed), and a RoPE config round-trips.
func TestRoPEConfigJSON(t *testing.T) {
	var c Config
	must(t, json.Unmarshal([]byte(`{"Vocab":20,"Ctx":32,"DModel":128,"Heads":4,"Layers":2,"DFF":512}`), &c))
	if c != DefaultConfig() {
		t.Errorf("decoding the default config without RoPE: got %+v; want %+v", c, DefaultConfig())
	}
	for _, c := range []Config{DefaultConfig(), DefaultMoEConfig()} {
		b, err := json.Marshal(c)
		must(t, err)
		if strings.Contains(string(b), "RoPE") || strings.Contains(string(b), "RelBias") {
			t.Errorf("json.Marshal(%+v) = %s; want no RoPE or RelBias key", c, b)
		}
	}
	for _, c := range []Config{withRoPE(DefaultConfig()), withRoPE(moeConfig()), withRelBias(DefaultConfig()), withRelBias(moeConfig()), withRoPE(withRelBias(tinyConfig()))} {
		b, err := json.Marshal(c)
		must(t, err)
		if c.RoPE != strings.Contains(string(b), `"RoPE":true`) {
			t.Errorf("json.Marshal(%+v) = %s; want \"RoPE\":true iff RoPE", c, b)
		}
		if c.RelBias != strings.Contains(string(b), `"RelBias":true`) {
			t.Errorf("json.Marshal(%+v) = %s; want \"RelBias\":true iff RelBias", c, b)
		}
		var got Config
		must(t, json.Unmarshal(b, &got))
		if got != c {
			t.Errorf("round trip of %s: got %+v; want %+v", b, got, c)
		}
	}
}

// TestRoPEValidate: RoPE needs an even head dimension; other configs are as before.
func TestRoPEValidate(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string // "" for valid
	}{
		{withRoPE(DefaultConfig()), ""},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPE: true}, ""},
		{Config{Vocab: 2, Ctx: 3, DModel: 12, Heads: 4, Layers: 1, DFF: 1}, ""},
		{Config{Vocab: 2, Ctx: 3, DModel: 12, Heads: 4, Layers: 1, DFF: 1, RoPE: true}, "model: RoPE needs an even head dimension, but DModel 12 / Heads 4 = 3 is odd"},
		{Config{Vocab: 2, Ctx: 3, DModel: 4, Heads: 4, Layers: 1, DFF: 1, RoPE: true}, "DModel 4 / Heads 4 = 1 is odd"},
		{Config{Vocab: 2, Ctx: 3, DModel: 10, Heads: 4, Layers: 1, DFF: 1, RoPE: true}, "not divisible"},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPE: true, RoPEBase: 100}, ""},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPE: true, RoPEBase: 1}, "RoPEBase 1"},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPE: true, RoPEBase: math.NaN()}, "RoPEBase NaN"},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPE: true, RoPEBase: math.Inf(1)}, "RoPEBase +Inf"},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPEBase: 100}, "needs RoPE"},
		{withRoPE(Config{Vocab: 2, Ctx: 3, DModel: 6, Heads: 2, Layers: 1, Experts: 2, TopK: 1, ExpertDFF: 4}), "DModel 6 / Heads 2 = 3 is odd"},
		// RelBias has no constraint of its own; with RoPE, RoPE's hold.
		{Config{Vocab: 2, Ctx: 3, DModel: 12, Heads: 4, Layers: 1, DFF: 1, RelBias: true}, ""},
		{Config{Vocab: 2, Ctx: 1, DModel: 4, Heads: 4, Layers: 1, DFF: 1, RelBias: true}, ""},
		{withRelBias(Config{Vocab: 2, Ctx: 3, DModel: 6, Heads: 2, Layers: 1, Experts: 2, TopK: 1, ExpertDFF: 4}), ""},
		{Config{Vocab: 2, Ctx: 3, DModel: 12, Heads: 4, Layers: 1, DFF: 1, RoPE: true, RelBias: true}, "DModel 12 / Heads 4 = 3 is odd"},
		{Config{Vocab: 2, Ctx: 0, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RelBias: true}, "Ctx 0 must be positive"},
		{Config{Vocab: 2, Ctx: 1 << 28, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RelBias: true}, "exceeds the limit"},
		// RoPE alone sizes no parameter by Ctx, but the sampler's tables and caches.
		{Config{Vocab: 2, Ctx: 1 << 28, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPE: true}, "Ctx 268435456 exceeds the limit"},
		{Config{Vocab: 2, Ctx: 1 << 16, DModel: 8, Heads: 4, Layers: 1, DFF: 1, RoPE: true}, ""},
	} {
		err := tc.c.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v.Validate() = %v; want nil", tc.c, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v.Validate() = %v; want %q", tc.c, err, tc.want)
		}
		if _, err := Zero(tc.c); err == nil {
			t.Errorf("Zero(%+v): got nil error; want one", tc.c)
		}
	}
}

// TestRoPENoAbsolutePosition: a RoPE policy holds no absolute position. A prompt of one token
// repeated has equal values everywhere, so attention averages equal vectors whatever the scores,
// and every position must be scored alike (the learned pos_emb makes them differ). Once another
// token precedes the run, the rotation makes positions differ by their distance to it. The same
// holds for a RelBias policy (whose bias is random here), with or without RoPE. Sampler and
// reference agree throughout.
func TestRoPENoAbsolutePosition(t *testing.T) {
	spread := func(lp []float32) float64 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range lp {
			lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
		}
		return hi - lo
	}
	for _, tc := range []struct {
		cfg     Config
		prompt  []int
		uniform bool // all completion tokens scored alike
	}{
		{withRoPE(tinyConfig()), []int{3, 3, 3, 3, 3, 3, 3, 3}, true},
		{withRoPE(moeConfig()), []int{3, 3, 3, 3, 3, 3, 3, 3}, true},
		{tinyConfig(), []int{3, 3, 3, 3, 3, 3, 3, 3}, false},
		{withRoPE(tinyConfig()), []int{5, 3, 3, 3, 3, 3, 3, 3}, false},
		{withRelBias(tinyConfig()), []int{3, 3, 3, 3, 3, 3, 3, 3}, true},
		{withRelBias(moeConfig()), []int{3, 3, 3, 3, 3, 3, 3, 3}, true},
		{withRoPE(withRelBias(tinyConfig())), []int{3, 3, 3, 3, 3, 3, 3, 3}, true},
		{withRelBias(tinyConfig()), []int{5, 3, 3, 3, 3, 3, 3, 3}, false},
	} {
		p := newTinyOf(t, tc.cfg, 21)
		lp, err := NewSampler(p).LogProbs([][]int{tc.prompt[:1]}, [][]int{tc.prompt[1:]}, 1)
		must(t, err)
		ref := refCompletionLogp(p, tc.prompt[:1], tc.prompt[1:], 1)
		for k := range ref {
			if math.Abs(float64(lp[0][k])-ref[k]) > 1e-4 {
				t.Errorf("RoPE %v, RelBias %v, %v: token %d: log-prob %v; want reference %v", tc.cfg.RoPE, tc.cfg.RelBias, tc.prompt, k, lp[0][k], ref[k])
			}
		}
		if s := spread(lp[0]); tc.uniform != (s < 1e-5) {
			t.Errorf("RoPE %v, RelBias %v, experts %d, %v: log-probs %v spread by %.3g; want uniform %v", tc.cfg.RoPE, tc.cfg.RelBias, tc.cfg.Experts, tc.prompt, lp[0], s, tc.uniform)
		}
	}
}
