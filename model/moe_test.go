package model

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// moeConfig is tinyConfig with experts: 4 routed of width 8, top-2 with gates summing to 2.5,
// and one shared.
func moeConfig() Config {
	c := tinyConfig()
	c.DFF = 0
	c.Experts, c.SharedExperts, c.TopK, c.ExpertDFF, c.RoutedScale = 4, 1, 2, 8, 2.5
	return c
}

// moeTop1Config has no shared expert and routes each token to one of 3 experts, whose gate is
// then always 1 (RoutedScale unset; so the router's weights get no gradient).
func moeTop1Config() Config {
	c := tinyConfig()
	c.Layers = 1
	c.Experts, c.SharedExperts, c.TopK, c.ExpertDFF = 3, 0, 1, 8
	return c
}

func newMoE(t *testing.T, cfg Config, seed uint64) *Params {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 77))
	p, err := New(cfg, rng)
	must(t, err)
	perturb(p, rng, 0.3)
	return p
}

func TestMoEConfigValidate(t *testing.T) {
	for _, c := range []Config{moeConfig(), moeTop1Config(), DefaultMoEConfig()} {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", c, err)
		}
	}
	// DFF is unused with experts: any non-negative value is accepted.
	c := moeConfig()
	c.DFF = 512
	if err := c.Validate(); err != nil {
		t.Errorf("MoE config with DFF 512: Validate() = %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"top-k > experts", func(c *Config) { c.TopK = 5 }, "model: TopK 5 exceeds Experts 4"},
		{"top-k 0", func(c *Config) { c.TopK = 0 }, "model: TopK 0 must be positive"},
		{"top-k negative", func(c *Config) { c.TopK = -1 }, "model: TopK -1 must not be negative"},
		{"expert width 0", func(c *Config) { c.ExpertDFF = 0 }, "model: ExpertDFF 0 must be positive"},
		{"negative experts", func(c *Config) { c.Experts = -4 }, "model: Experts -4 must not be negative"},
		{"negative shared", func(c *Config) { c.SharedExperts = -1 }, "model: SharedExperts -1 must not be negative"},
		{"negative DFF", func(c *Config) { c.DFF = -1 }, "model: DFF -1 must not be negative"},
		{"shared without routed", func(c *Config) { c.Experts, c.TopK, c.ExpertDFF = 0, 0, 0 }, "model: SharedExperts 1 set without routed experts"},
		{"top-k without routed", func(c *Config) { c.Experts, c.SharedExperts, c.ExpertDFF = 0, 0, 0 }, "model: TopK 2 set without routed experts"},
		{"width without routed", func(c *Config) { c.Experts, c.SharedExperts, c.TopK = 0, 0, 0 }, "model: ExpertDFF 8 set without routed experts"},
		{"dense DFF 0 is still an error", func(c *Config) { c.Experts, c.SharedExperts, c.TopK, c.ExpertDFF = 0, 0, 0, 0 }, "model: DFF 0 must be positive"},
		{"too many experts", func(c *Config) { c.Experts, c.ExpertDFF = 1<<20, 1 }, "experts exceed the limit of 4096"},
		{"too many shared", func(c *Config) { c.SharedExperts = maxExperts }, "exceed the limit of 4096"},
		{"overflowing sum", func(c *Config) { c.Experts, c.SharedExperts = math.MaxInt, math.MaxInt }, "exceed the limit of 4096"},
		{"too many parameters", func(c *Config) { c.Experts, c.ExpertDFF = 4000, 1<<20 }, "parameters exceed the limit"},
		{"overflowing width", func(c *Config) { c.ExpertDFF = math.MaxInt }, "parameters exceed the limit"},
		{"bad heads still caught", func(c *Config) { c.Heads = 3 }, "not divisible"},
		{"negative routed scale", func(c *Config) { c.RoutedScale = -1 }, "model: RoutedScale -1 must be a finite non-negative number"},
		{"NaN routed scale", func(c *Config) { c.RoutedScale = math.NaN() }, "model: RoutedScale NaN must be"},
		{"infinite routed scale", func(c *Config) { c.RoutedScale = math.Inf(1) }, "model: RoutedScale +Inf must be"},
		{"routed scale without routed", func(c *Config) { c.Experts, c.SharedExperts, c.TopK, c.ExpertDFF, c.DFF = 0, 0, 0, 0, 16 }, "model: RoutedScale 2.5 set without routed experts"},
	} {
		c := moeConfig()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %+v.Validate() = %v; want %q", tc.name, c, err, tc.want)
		}
		if _, err := Zero(c); err == nil {
			t.Errorf("%s: Zero(%+v): no error", tc.name, c)
		}
	}
}

// TestMoEConfigJSON: a dense config encodes as it did before the MoE fields existed, and an MoE
// config round-trips.
func TestMoEConfigJSON(t *testing.T) {
	b, err := json.Marshal(DefaultConfig())
	must(t, err)
	const want = `{"Vocab":20,"Ctx":32,"DModel":128,"Heads":4,"Layers":2,"DFF":512}`
	if string(b) != want {
		t.Errorf("json.Marshal(DefaultConfig()) = %s; want %s", b, want)
	}
	b, err = json.Marshal(moeConfig())
	must(t, err)
	var c Config
	must(t, json.Unmarshal(b, &c))
	if c != moeConfig() {
		t.Errorf("MoE config round trip: %s decodes to %+v", b, c)
	}
}

func TestMoENumParams(t *testing.T) {
	// By hand: Vocab 3, Ctx 2, D 2, 1 layer, 3 routed experts and 1 shared of width 4, top-2.
	//   embeddings 3·2 + 2·2 = 10; ln1, ln2 2·(2+2) = 8; qkv 2·6 + 6 = 18; proj 2·2 + 2 = 6
	//   router 2·3 + 3 = 9; one expert 2·4 + 4 + 4·2 + 2 = 22, four of them 88
	//   ln_f 4; head 2·3 + 3 = 9
	// total 10 + 8 + 18 + 6 + 9 + 88 + 4 + 9 = 152; active 152 - (3 - 2)·22 = 130.
	small := Config{Vocab: 3, Ctx: 2, DModel: 2, Heads: 1, Layers: 1, Experts: 3, SharedExperts: 1, TopK: 2, ExpertDFF: 4}
	if got := small.NumParams(); got != 152 {
		t.Errorf("NumParams() = %d; want 152", got)
	}
	if got := small.ActiveParams(); got != 130 {
		t.Errorf("ActiveParams() = %d; want 130", got)
	}
	// The default shape with 16 routed experts of width 128, 1 shared, top-3: the active MLP
	// width is 4·128 = 512, the dense model's; the router and the experts' extra biases add
	// 2·(2064 + 384) = 4896 active parameters to the dense 406,036.
	if got, want := DefaultMoEConfig().NumParams(), 1269556; got != want {
		t.Errorf("DefaultMoEConfig().NumParams() = %d; want %d", got, want)
	}
	if got, want := DefaultMoEConfig().ActiveParams(), 410932; got != want {
		t.Errorf("DefaultMoEConfig().ActiveParams() = %d; want %d", got, want)
	}
	if got := DefaultConfig().ActiveParams(); got != 406036 {
		t.Errorf("DefaultConfig().ActiveParams() = %d; want NumParams 406036", got)
	}
	// The formula agrees with the tensors.
	for _, c := range []Config{small, moeConfig(), moeTop1Config(), DefaultMoEConfig()} {
		p, err := Zero(c)
		must(t, err)
		n := 0
		for _, tn := range p.Tensors {
			n += len(tn.Data)
		}
		if got := c.NumParams(); got != n {
			t.Errorf("%+v.NumParams() = %d; the tensors hold %d", c, got, n)
		}
		if want := 2 + c.Layers*c.perBlock() + 4; len(p.Tensors) != want {
			t.Errorf("%+v: %d tensors; want %d", c, len(p.Tensors), want)
		}
	}
}

func TestMoETensors(t *testing.T) {
	c := DefaultMoEConfig()
	p, err := New(c, rand.New(rand.NewPCG(1, 2)))
	must(t, err)
	must(t, p.Check())
	b1 := block(c, p.Tensors, 1)
	for i, want := range map[int]string{
		offLn2B:                            "blocks.1.ln2.b",
		offMoE + offRouterW:                "blocks.1.moe.router.w",
		offMoE + offRouterBias:             "blocks.1.moe.router.bias",
		offMoE + offExperts:                "blocks.1.moe.shared.0.fc.w",
		offMoE + offExperts + 4 + 3:        "blocks.1.moe.expert.0.out.b",
		offMoE + offExperts + 4*(1+15) + 2: "blocks.1.moe.expert.15.out.w",
	} {
		if b1[i].Name != want {
			t.Errorf("block 1 tensor %d is %s; want %s", i, b1[i].Name, want)
		}
	}
	for _, tc := range []struct {
		name  string
		shape []int
		std   float64 // 0: all zero
	}{
		{"blocks.0.moe.router.w", []int{128, 16}, 0.02},
		{"blocks.0.moe.router.bias", []int{16}, 0},
		{"blocks.0.moe.shared.0.fc.w", []int{128, 128}, 0.02},
		{"blocks.0.moe.shared.0.out.w", []int{128, 128}, 0.02 / 2},
		{"blocks.1.moe.expert.7.fc.w", []int{128, 128}, 0.02},
		{"blocks.1.moe.expert.7.fc.b", []int{128}, 0},
		{"blocks.1.moe.expert.15.out.w", []int{128, 128}, 0.02 / 2},
	} {
		tn := p.Lookup(tc.name)
		if tn == nil {
			t.Fatalf("Lookup(%q) = nil", tc.name)
		}
		if !slices.Equal(tn.Shape, tc.shape) {
			t.Errorf("%s has shape %v; want %v", tc.name, tn.Shape, tc.shape)
		}
		var ss float64
		for _, v := range tn.Data {
			ss += float64(v) * float64(v)
		}
		if got := math.Sqrt(ss / float64(len(tn.Data))); math.Abs(got-tc.std) > 0.1*tc.std {
			t.Errorf("rms of %s = %.4g; want %.4g", tc.name, got, tc.std)
		}
	}
	if p.Lookup("blocks.0.mlp.fc.w") != nil {
		t.Errorf("an MoE model has a dense MLP tensor")
	}
	q := p.Clone()
	must(t, q.Check())
	z, err := Zero(c)
	must(t, err)
	must(t, z.Check())
}

// TestMoEBlockGradients checks the fused MoE op alone, y = x + MoE(h), against finite
// differences of the float64 reference, for every input: h, x, the router and every expert.
func TestMoEBlockGradients(t *testing.T) {
	for _, cfg := range []Config{moeConfig(), moeTop1Config()} {
		t.Run(fmt.Sprintf("E%d-S%d-K%d", cfg.Experts, cfg.SharedExperts, cfg.TopK), func(t *testing.T) {
			testMoEBlockGradients(t, cfg)
		})
	}
}

func testMoEBlockGradients(t *testing.T, cfg Config) {
	rng := rand.New(rand.NewPCG(8, 9))
	p, err := New(cfg, rng)
	must(t, err)
	perturb(p, rng, 0.3)
	const N = 9
	D := cfg.DModel
	randVec := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	hData, xData, wData := randVec(N*D), randVec(N*D), randVec(N*D)
	inputs := []*Tensor{{Name: "h", Shape: []int{N, D}, Data: hData}, {Name: "x", Shape: []int{N, D}, Data: xData}}
	inputs = append(inputs, block(cfg, p.Tensors, 0)[offMoE:]...)

	g := gorgonia.NewGraph()
	var nodes gorgonia.Nodes
	for _, tn := range inputs {
		val := tensor.New(tensor.WithShape(tn.Shape...), tensor.WithBacking(tn.Data))
		opts := []gorgonia.NodeConsOpt{gorgonia.WithShape(tn.Shape...), gorgonia.WithName(tn.Name), gorgonia.WithValue(val)}
		if len(tn.Shape) == 1 {
			nodes = append(nodes, gorgonia.NewVector(g, tensor.Float32, opts...))
		} else {
			nodes = append(nodes, gorgonia.NewMatrix(g, tensor.Float32, opts...))
		}
	}
	b := &builder{g: g}
	st := new(moeState)
	y := b.moe(cfg, 0, st, nodes[0], nodes[1], nodes[2:])
	must(t, b.err)
	wNode := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(N, D), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(N, D), tensor.WithBacking(wData))))
	prod, err := gorgonia.HadamardProd(y, wNode)
	must(t, err)
	loss, err := gorgonia.Sum(prod)
	must(t, err)
	var lossVal gorgonia.Value
	gorgonia.Read(loss, &lossVal)
	_, err = gorgonia.Grad(loss, nodes...)
	must(t, err)
	m := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(nodes...))
	defer m.Close()
	must(t, m.RunAll())
	grads := make([][]float32, len(nodes))
	for i, n := range nodes {
		v, err := n.Grad()
		must(t, err)
		grads[i] = append([]float32(nil), v.Data().([]float32)...)
	}

	refLoss := func(routes *[]int) float64 {
		h := make([][]float64, N)
		for r := range h {
			h[r] = make([]float64, D)
			for j := range h[r] {
				h[r][j] = float64(hData[r*D+j])
			}
		}
		out := refMoE(p, 0, h, routes)
		var l float64
		for r := range out {
			for j, v := range out[r] {
				l += float64(wData[r*D+j]) * (float64(xData[r*D+j]) + v)
			}
		}
		return l
	}
	var routes []int
	want := refLoss(&routes)
	if got := float64(lossVal.Data().(float32)); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
		t.Errorf("MoE loss = %v, reference %v", got, want)
	}
	load := make([]int, cfg.Experts)
	for _, e := range routes {
		load[e]++
	}
	if got := (&Graph{cfg: cfg, moe: []*moeState{st}}).ExpertLoad()[0]; !slices.Equal(got, load) {
		t.Errorf("load = %v; the reference routes %v", got, load)
	}

	const h = 1e-3
	skipped := 0
	for i, tn := range inputs {
		for k := range tn.Data {
			if len(tn.Data) > 40 && rng.IntN(len(tn.Data)) >= 40 {
				continue // about 40 coordinates per tensor
			}
			got := float64(grads[i][k])
			if strings.HasSuffix(tn.Name, "router.bias") {
				if got != 0 {
					t.Errorf("d loss/d %s[%d] = %v; want exactly 0", tn.Name, k, got)
				}
				continue
			}
			orig := tn.Data[k]
			var rp, rm []int
			tn.Data[k] = float32(float64(orig) + h)
			hp := float64(tn.Data[k]) - float64(orig)
			lp := refLoss(&rp)
			tn.Data[k] = float32(float64(orig) - h)
			hm := float64(orig) - float64(tn.Data[k])
			lm := refLoss(&rm)
			tn.Data[k] = orig
			if !slices.Equal(rp, routes) || !slices.Equal(rm, routes) {
				skipped++
				continue
			}
			fd := (lp - lm) / (hp + hm)
			if math.Abs(got-fd) > 2e-3*math.Abs(fd)+2e-4 {
				t.Errorf("d loss/d %s[%d] = %.6g, finite difference %.6g", tn.Name, k, got, fd)
			}
		}
	}
	if skipped > 10 {
		t.Errorf("%d samples changed the selection: pick inputs further from ties", skipped)
	}
	if cfg.TopK == 1 {
		// The gate is s/s = 1: the router learns nothing by gradient.
		for k, v := range grads[2+offRouterW] {
			if v != 0 {
				t.Errorf("top-1: d loss/d router.w[%d] = %v; want 0", k, v)
				break
			}
		}
	}
}

// TestMoEGraphMatchesReference holds the graph's outputs and its expert load to the reference.
func TestMoEGraphMatchesReference(t *testing.T) {
	p := newMoE(t, moeConfig(), 1)
	rng := rand.New(rand.NewPCG(2, 3))
	const B, T = 4, 7
	g, err := NewGraph(p, B, T, 0.9)
	must(t, err)
	if load := g.ExpertLoad(); len(load) != 2 || !slices.Equal(load[1], []int{0, 0, 0, 0}) {
		t.Errorf("ExpertLoad before a run = %v; want zeros", load)
	}
	for round := 0; round < 2; round++ {
		ids, targets := randomTokens(rng, B, T, p.Config.Vocab), randomTokens(rng, B, T, p.Config.Vocab)
		logp, entropy := runForward(t, g, ids, targets)
		want := zeroLoad(p.Config)
		for b := 0; b < B; b++ {
			wl, we := refLogpEntropy(p, ids[b], targets[b], 0.9)
			for i := 0; i < T; i++ {
				r := b*T + i
				if math.Abs(float64(logp[r])-wl[i]) > 1e-4 || math.Abs(float64(entropy[r])-we[i]) > 1e-4 {
					t.Errorf("round %d: position %d: logp %v entropy %v; reference %v %v", round, r, logp[r], entropy[r], wl[i], we[i])
				}
			}
			addRoutes(want, p.Config, refRoutes(p, ids[b:b+1]), T)
		}
		if got := g.ExpertLoad(); !equalLoads(got, want) {
			t.Errorf("round %d: ExpertLoad() = %v; reference %v", round, got, want)
		}
		perturb(p, rng, 0.05)
	}
}

// addRoutes adds to load the routes of one sequence of T positions (refForward's order: block by
// block, position by position, K experts each).
func addRoutes(load [][]int, c Config, routes []int, T int) {
	for i, e := range routes {
		load[i/(T*c.TopK)][e]++
	}
}

func equalLoads(a, b [][]int) bool {
	return slices.EqualFunc(a, b, func(x, y []int) bool { return slices.Equal(x, y) })
}

func TestMoESamplerAgreesWithGraphAndReference(t *testing.T) {
	c := DefaultMoEConfig()
	c.Layers = 1 // the reference is slow at this width
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"tiny", moeConfig()}, {"top1", moeTop1Config()}, {"default-width", c}, {"tiny-rope", withRoPE(moeConfig())},
		{"tiny-relbias", withRelBias(moeConfig())}, {"top1-relbias-rope", withRoPE(withRelBias(moeTop1Config()))},
	} {
		t.Run(tc.name, func(t *testing.T) { testSamplerAgrees(t, tc.cfg, 0.1) })
	}
}

// TestMoESamplerLoad: the sampler's load counts the rows it computed, K slots each, as the
// reference routes them.
func TestMoESamplerLoad(t *testing.T) {
	p := newMoE(t, moeConfig(), 3)
	s := NewSampler(p)
	if load := s.ExpertLoad(); !equalLoads(load, zeroLoad(p.Config)) {
		t.Errorf("ExpertLoad before a call = %v; want zeros", load)
	}
	prompts := [][]int{{1, 2, 3}, {4}, {5, 6, 7, 8}}
	completions := [][]int{{9, 10}, {}, {1, 2, 3}}
	_, err := s.LogProbs(prompts, completions, 1)
	must(t, err)
	want := zeroLoad(p.Config)
	for i, pr := range prompts {
		if len(completions[i]) == 0 {
			continue // nothing to score: LogProbs computes no row of it
		}
		seq := append(append([]int(nil), pr...), completions[i]...)
		seq = seq[:len(seq)-1]
		addRoutes(want, p.Config, refRoutes(p, [][]int{seq}), len(seq))
	}
	if got := s.ExpertLoad(); !equalLoads(got, want) {
		t.Errorf("LogProbs: ExpertLoad() = %v; reference %v", got, want)
	}
	// Generate: every row once (prompt rows, then one per generated token but the last), K slots.
	out, err := s.Generate(prompts, 4, 1, -1, rand.New(rand.NewPCG(1, 1)))
	must(t, err)
	rows := 0
	for i, smp := range out {
		rows += len(prompts[i]) + len(smp.Tokens) - 1
	}
	for l, ld := range s.ExpertLoad() {
		sum := 0
		for _, v := range ld {
			sum += v
		}
		if sum != rows*p.Config.TopK {
			t.Errorf("Generate: layer %d load %v sums to %d; want %d rows · K %d", l, ld, sum, rows, p.Config.TopK)
		}
	}
	// A call with nothing to compute leaves zeros; a dense model has no load.
	_, err = s.Generate(prompts, 0, 1, -1, rand.New(rand.NewPCG(1, 1)))
	must(t, err)
	if load := s.ExpertLoad(); !equalLoads(load, zeroLoad(p.Config)) {
		t.Errorf("ExpertLoad after an empty call = %v; want zeros", load)
	}
	dense := NewSampler(newTiny(t, 1))
	if _, err := dense.LogProbs(prompts, completions, 1); err != nil || dense.ExpertLoad() != nil {
		t.Errorf("dense: ExpertLoad() = %v, LogProbs error %v; want nil, nil", dense.ExpertLoad(), err)
	}
	if g, err := NewGraph(newTiny(t, 1), 1, 2, 1); err != nil || g.ExpertLoad() != nil {
		t.Errorf("dense graph: ExpertLoad() = %v, %v; want nil", g.ExpertLoad(), err)
	}
}

func TestMoEGenerateGOMAXPROCS(t *testing.T) {
	testGenerateGOMAXPROCS(t, newMoE(t, moeConfig(), 13))
	testGenerateGOMAXPROCS(t, newMoE(t, withRelBias(moeConfig()), 13))
}

// TestMoEGreedyBatching: in a batch (two halves on two goroutines, experts gathering rows of many
// sequences) each prompt decodes as it does alone.
func TestMoEGreedyBatching(t *testing.T) {
	p := newMoE(t, moeConfig(), 5)
	prompts := groupPrompts(rand.New(rand.NewPCG(6, 6)), 30, 3, p.Config.Vocab)
	s := NewSampler(p)
	all, err := s.Generate(prompts, 5, 0, -1, nil)
	must(t, err)
	for _, i := range []int{0, 1, 44, len(prompts) - 1} {
		one, err := NewSampler(p).Generate(prompts[i:i+1], 5, 0, -1, nil)
		must(t, err)
		if !equalInts(one[0].Tokens, all[i].Tokens) {
			t.Errorf("sequence %d: greedy %v in a batch, %v alone", i, all[i].Tokens, one[0].Tokens)
		}
	}
}

func TestUpdateRouterBias(t *testing.T) {
	const gamma = 0.001
	// Layer 0: mean 5; expert 0 over-loaded, 1 at the mean, 2 and 3 under. Layer 1: all equal.
	load := [][]int{{11, 5, 4, 0}, {7, 7, 7, 7}}
	var p, before *Params
	for _, cfg := range []Config{withRelBias(moeConfig()), moeConfig()} {
		p = newMoE(t, cfg, 4)
		before = p.Clone()
		must(t, p.UpdateRouterBias(load, gamma))
		for l, want := range [][]float64{{-gamma, 0, gamma, gamma}, {0, 0, 0, 0}} {
			name := fmt.Sprintf("blocks.%d.moe.router.bias", l)
			b, b0 := p.Lookup(name).Data, before.Lookup(name).Data
			for i := range b {
				if got := float64(b[i]) - float64(b0[i]); math.Abs(got-want[i]) > 1e-6 {
					t.Errorf("RelBias %v: %s[%d] moved by %.6g; want %.6g", cfg.RelBias, name, i, got, want[i])
				}
			}
		}
		// Nothing else moves.
		for i, tn := range p.Tensors {
			if strings.HasSuffix(tn.Name, "router.bias") {
				continue
			}
			if !slices.Equal(tn.Data, before.Tensors[i].Data) {
				t.Errorf("RelBias %v: UpdateRouterBias changed %s", cfg.RelBias, tn.Name)
			}
		}
	}
	// A load equal to the mean moves nothing (compared exactly): loads {1, 1, 2, 0} have mean 1.
	// Against a mean that is not an integer, every load is above or below: {1, 2, 2, 0}, 1.25.
	for _, tc := range []struct {
		loads []int
		want  []float32
	}{
		{[]int{1, 1, 2, 0}, []float32{0, 0, -0.5, 0.5}},
		{[]int{1, 2, 2, 0}, []float32{0.5, -0.5, -0.5, 0.5}},
	} {
		q := newMoE(t, moeConfig(), 4)
		must(t, q.UpdateRouterBias([][]int{tc.loads, {0, 0, 0, 0}}, 0.5))
		b, b0 := q.Lookup("blocks.0.moe.router.bias").Data, before.Lookup("blocks.0.moe.router.bias").Data
		for i, want := range tc.want {
			if got := b[i] - b0[i]; math.Abs(float64(got-want)) > 1e-6 {
				t.Errorf("loads %v: bias[%d] moved by %v; want %v", tc.loads, i, got, want)
			}
		}
	}

	for _, tc := range []struct {
		name  string
		load  [][]int
		gamma float64
		want  string
	}{
		{"few layers", [][]int{{1, 2, 3, 4}}, gamma, "load of 1 layers, want 2"},
		{"few experts", [][]int{{1, 2, 3, 4}, {1, 2, 3}}, gamma, "layer 1: load of 3 experts, want 4"},
		{"negative load", [][]int{{1, 2, 3, 4}, {1, -2, 3, 4}}, gamma, "expert 1 has negative load -2"},
		{"nil load", nil, gamma, "load of 0 layers"},
		{"negative gamma", load, -gamma, "gamma"},
		{"NaN gamma", load, math.NaN(), "gamma"},
		{"infinite gamma", load, math.Inf(1), "gamma"},
	} {
		if err := p.UpdateRouterBias(tc.load, tc.gamma); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: UpdateRouterBias = %v; want %q", tc.name, err, tc.want)
		}
	}
	if err := newTiny(t, 1).UpdateRouterBias(nil, gamma); err == nil || !strings.Contains(err.Error(), "no experts") {
		t.Errorf("dense model: UpdateRouterBias = %v; want an error", err)
	}
	var nilp *Params
	if err := nilp.UpdateRouterBias(load, gamma); err == nil {
		t.Errorf("nil Params: UpdateRouterBias = nil")
	}
}

// TestRouterBiasSteers: the selection bias changes which experts are chosen (and so the output)
// but, given the selection, not the gates: a bias equal for all experts changes nothing.
func TestRouterBiasSteers(t *testing.T) {
	p := newMoE(t, moeConfig(), 6)
	prompts, completions := [][]int{{1, 2, 3, 4}}, [][]int{{5, 6, 7}}
	score := func() []float32 {
		lp, err := NewSampler(p).LogProbs(prompts, completions, 1)
		must(t, err)
		return lp[0]
	}
	base := score()
	for l := 0; l < p.Config.Layers; l++ {
		b := p.Lookup(fmt.Sprintf("blocks.%d.moe.router.bias", l)).Data
		for i := range b {
			b[i] += 0.25
		}
	}
	if got := score(); !slices.Equal(got, base) {
		t.Errorf("a uniform shift of the bias changed the log-probs: %v, then %v", base, got)
	}
	b := p.Lookup("blocks.0.moe.router.bias").Data
	b[3] += 100 // expert 3 is always selected in block 0
	s := NewSampler(p)
	_, err := s.LogProbs(prompts, completions, 1)
	must(t, err)
	if rows := len(prompts[0]) + len(completions[0]) - 1; s.ExpertLoad()[0][3] != rows {
		t.Errorf("block 0 load %v: expert 3 with a bias of 100 should take all %d rows", s.ExpertLoad()[0], rows)
	}
	if got := score(); slices.Equal(got, base) {
		t.Errorf("forcing expert 3 in block 0 left the log-probs unchanged")
	}
}

// TestMoESaturatedRouter: router logits so large that every affinity is exactly 0 or 1 (σ
// saturates in float32) leave the outputs and gradients finite.
func TestMoESaturatedRouter(t *testing.T) {
	for _, scale := range []float32{1e4, -1e4} {
		p := newMoE(t, moeConfig(), 7)
		for l := 0; l < p.Config.Layers; l++ {
			w := block(p.Config, p.Tensors, l)[offMoE+offRouterW].Data
			for i := range w {
				w[i] = scale
			}
		}
		lp, err := NewSampler(p).LogProbs([][]int{{1, 2, 3}}, [][]int{{4, 5}}, 1)
		must(t, err)
		for _, v := range lp[0] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Errorf("scale %v: log-prob %v", scale, v)
			}
		}
		g, err := NewGraph(p, 2, 4, 1)
		must(t, err)
		trainerLoss(t, g, make([]float32, 8), 0.1)
		ids := [][]int{{1, 2, 3, 4}, {5, 6, 7, 8}}
		must(t, g.SetInputs(ids, ids))
		m := gorgonia.NewTapeMachine(g.G, gorgonia.BindDualValues(g.Weights...))
		must(t, m.RunAll())
		m.Close()
		grads := make([][]float32, len(g.Weights))
		must(t, g.Grads(grads))
		for i, gr := range grads {
			for k, v := range gr {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("scale %v: gradient of %s[%d] = %v", scale, g.Weights[i].Name(), k, v)
				}
			}
		}
	}
}
