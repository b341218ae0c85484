package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func tinyConfig() Config {
	return Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 2, DFF: 32}
}

// withRoPE returns c with rotary position embeddings instead of pos_emb.
func withRoPE(c Config) Config {
	c.RoPE = true
	return c
}

// withRelBias returns c with a learned relative position bias instead of pos_emb.
func withRelBias(c Config) Config {
	c.RelBias = true
	return c
}

// perturb adds N(0, std²) noise to every parameter in place, so that LayerNorm gains, biases and
// all else are generic (New leaves gains at exactly 1 and biases at 0).
func perturb(p *Params, rng *rand.Rand, std float64) {
	for _, t := range p.Tensors {
		for k := range t.Data {
			t.Data[k] += float32(std * rng.NormFloat64())
		}
	}
}

func randomTokens(rng *rand.Rand, b, t, vocab int) [][]int {
	x := make([][]int, b)
	for i := range x {
		x[i] = make([]int, t)
		for j := range x[i] {
			x[i][j] = rng.IntN(vocab)
		}
	}
	return x
}

// runForward runs the graph's forward pass only and returns its outputs.
func runForward(t *testing.T, g *Graph, ids, targets [][]int) (logp, entropy []float32) {
	t.Helper()
	if err := g.SetInputs(ids, targets); err != nil {
		t.Fatal(err)
	}
	m := gorgonia.NewTapeMachine(g.G)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	logp, entropy, err := g.Outputs()
	if err != nil {
		t.Fatal(err)
	}
	return logp, entropy
}

func TestGraphMatchesReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"tiny", tinyConfig()}, {"tiny-rope", withRoPE(tinyConfig())}, {"moe-rope", withRoPE(moeConfig())},
		{"tiny-relbias", withRelBias(tinyConfig())}, {"tiny-relbias-rope", withRoPE(withRelBias(tinyConfig()))},
		{"moe-relbias", withRelBias(moeConfig())},
	} {
		t.Run(tc.name, func(t *testing.T) { testGraphMatchesReference(t, tc.cfg) })
	}
}

func testGraphMatchesReference(t *testing.T, cfg Config) {
	rng := rand.New(rand.NewPCG(1, 2))
	p, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	perturb(p, rng, 0.3)
	for _, tau := range []float64{1, 0.7} {
		const B, T = 3, 7
		g, err := NewGraph(p, B, T, tau)
		if err != nil {
			t.Fatal(err)
		}
		ids, targets := randomTokens(rng, B, T, p.Config.Vocab), randomTokens(rng, B, T, p.Config.Vocab)
		logp, entropy := runForward(t, g, ids, targets)
		for b := 0; b < B; b++ {
			wl, we := refLogpEntropy(p, ids[b], targets[b], tau)
			for i := 0; i < T; i++ {
				r := b*T + i
				if d := math.Abs(float64(logp[r]) - wl[i]); d > 1e-4 {
					t.Errorf("tau %v: Logp[%d][%d] = %v, reference %v", tau, b, i, logp[r], wl[i])
				}
				if d := math.Abs(float64(entropy[r]) - we[i]); d > 1e-4 {
					t.Errorf("tau %v: Entropy[%d][%d] = %v, reference %v", tau, b, i, entropy[r], we[i])
				}
			}
		}
	}
}

// trainerLoss adds to g, as the trainer does, the loss -Σ_r w_r Logp_r + c Σ_r Entropy_r +
// meanLogpCoef Σ_r MeanLogp_r with w a constant input vector, and returns the loss node and the
// value the run reads into.
func trainerLoss(t testing.TB, g *Graph, w []float32, c float64) (*gorgonia.Node, *gorgonia.Value) {
	t.Helper()
	n := g.Batch * g.SeqLen
	wNode := gorgonia.NewVector(g.G, tensor.Float32, gorgonia.WithShape(n), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(w))))
	pg, err := gorgonia.HadamardProd(g.Logp, wNode)
	must(t, err)
	obj, err := gorgonia.Sum(pg)
	must(t, err)
	ent, err := gorgonia.Sum(g.Entropy)
	must(t, err)
	ent, err = gorgonia.Mul(ent, gorgonia.NewConstant(float32(c)))
	must(t, err)
	loss, err := gorgonia.Sub(ent, obj)
	must(t, err)
	ml, err := gorgonia.Sum(g.MeanLogp)
	must(t, err)
	ml, err = gorgonia.Mul(ml, gorgonia.NewConstant(float32(meanLogpCoef)))
	must(t, err)
	loss, err = gorgonia.Add(loss, ml)
	must(t, err)
	var v gorgonia.Value
	gorgonia.Read(loss, &v)
	if _, err := gorgonia.Grad(loss, g.Weights...); err != nil {
		t.Fatal(err)
	}
	return loss, &v
}

// meanLogpCoef weights MeanLogp in the test loss, so its gradient is checked too.
const meanLogpCoef = 0.3

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// refLoss is trainerLoss computed by the float64 reference.
func refLoss(p *Params, ids, targets [][]int, w []float32, c, tau float64) float64 {
	var loss float64
	for b := range ids {
		logp, ent := refLogpEntropy(p, ids[b], targets[b], tau)
		for i := range logp {
			loss += -float64(w[b*len(ids[b])+i])*logp[i] + c*ent[i]
		}
		for _, lg := range refLogits(p, ids[b]) {
			ls := refLogSoftmax(lg, tau)
			var m float64
			for _, v := range ls {
				m += v
			}
			loss += meanLogpCoef * m / float64(len(ls))
		}
	}
	return loss
}

// TestGraphGradients checks the gradient of every parameter tensor, as the trainer obtains it
// (gorgonia.Grad, a TapeMachine with BindDualValues, Graph.Grads), against central finite
// differences of the float64 reference. This is the test that catches gorgonia's wrong gradients.
//
// It runs on the tiny config and on one as wide as the default (D = 128: gorgonia bugs can depend
// on sizes; see the attention builder).
func TestGraphGradients(t *testing.T) {
	wide := DefaultConfig()
	wide.Ctx, wide.DFF, wide.Layers = 12, 64, 1
	for _, tc := range []struct {
		name    string
		cfg     Config
		B, T    int
		samples int // coordinates checked per tensor
	}{
		{"tiny", tinyConfig(), 3, 6, 6},
		{"wide", wide, 2, 5, 3},
		{"moe", moeConfig(), 3, 6, 10},
		{"moe-top1-noshared", moeTop1Config(), 2, 5, 4},
		{"tiny-rope", withRoPE(tinyConfig()), 3, 6, 6},
		{"wide-rope", withRoPE(wide), 2, 5, 3},
		{"moe-rope", withRoPE(moeConfig()), 3, 6, 6},
		{"tiny-relbias", withRelBias(tinyConfig()), 3, 6, 6},
		{"wide-relbias", withRelBias(wide), 2, 5, 3},
		{"moe-relbias", withRelBias(moeConfig()), 3, 6, 6},
		{"tiny-relbias-rope", withRoPE(withRelBias(tinyConfig())), 3, 6, 6},
	} {
		t.Run(tc.name, func(t *testing.T) { testGraphGradients(t, tc.cfg, tc.B, tc.T, tc.samples) })
	}
	// The fused ops split large inputs across goroutines; force that on a small one.
	t.Run("parallel", func(t *testing.T) {
		defer func(e, r, s int) { grainElems, grainRows, grainSeqs = e, r, s }(grainElems, grainRows, grainSeqs)
		grainElems, grainRows, grainSeqs = 2, 2, 2
		testGraphGradients(t, tinyConfig(), 5, 4, 4)
		testGraphGradients(t, moeConfig(), 5, 4, 3)
		testGraphGradients(t, withRoPE(tinyConfig()), 5, 4, 4)
		testGraphGradients(t, withRelBias(tinyConfig()), 5, 4, 4)
	})
}

// refRoutes returns the experts every position of every sequence selects, block by block.
func refRoutes(p *Params, ids [][]int) []int {
	var routes []int
	for _, seq := range ids {
		refForward(p, seq, &routes)
	}
	return routes
}

func testGraphGradients(t *testing.T, cfg Config, B, T, samples int) {
	rng := rand.New(rand.NewPCG(3, 4))
	p, err := New(cfg, rng)
	must(t, err)
	perturb(p, rng, 0.2)
	const c, tau = 0.37, 0.8
	g, err := NewGraph(p, B, T, tau)
	must(t, err)
	w := make([]float32, B*T)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	_, lossVal := trainerLoss(t, g, w, c)
	ids, targets := randomTokens(rng, B, T, p.Config.Vocab), randomTokens(rng, B, T, p.Config.Vocab)
	must(t, g.SetInputs(ids, targets))
	m := gorgonia.NewTapeMachine(g.G, gorgonia.BindDualValues(g.Weights...))
	defer m.Close()
	must(t, m.RunAll())
	grads := make([][]float32, len(g.Weights))
	must(t, g.Grads(grads))

	want := refLoss(p, ids, targets, w, c, tau)
	if got := float64((*lossVal).Data().(float32)); math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
		t.Errorf("graph loss = %v, reference %v", got, want)
	}

	// Gorgonia accumulates weight gradients across runs: a second run doubles them, and after
	// ZeroGrads a run gives the first run's gradients again.
	m.Reset()
	must(t, m.RunAll())
	again := make([][]float32, len(g.Weights))
	must(t, g.Grads(again))
	checkScaled(t, "second run without ZeroGrads", g, grads, again, 2)
	g.ZeroGrads()
	m.Reset()
	must(t, m.RunAll())
	must(t, g.Grads(again))
	checkScaled(t, "run after ZeroGrads", g, grads, again, 1)

	// The MoE's selection bias gets no gradient, exactly.
	for i, tn := range p.Tensors {
		if strings.HasSuffix(tn.Name, "router.bias") {
			for k, v := range grads[i] {
				if v != 0 {
					t.Errorf("d loss/d %s[%d] = %v; want exactly 0", tn.Name, k, v)
				}
			}
		}
	}

	// With experts, a finite difference across a change of selection measures a jump, not the
	// derivative: such samples are skipped (and counted).
	var routes []int
	if cfg.MoE() {
		routes = refRoutes(p, ids)
	}
	sameRoutes := func() bool { return !cfg.MoE() || slices.Equal(routes, refRoutes(p, ids)) }
	skipped, tried := 0, 0
	const h = 1e-3
	for i, tn := range p.Tensors {
		var worst float64
		for s := 0; s < samples; s++ {
			k := rng.IntN(len(tn.Data))
			orig := tn.Data[k]
			tried++
			tn.Data[k] = float32(float64(orig) + h)
			hp := float64(tn.Data[k]) - float64(orig)
			lp := refLoss(p, ids, targets, w, c, tau)
			same := sameRoutes()
			tn.Data[k] = float32(float64(orig) - h)
			hm := float64(orig) - float64(tn.Data[k])
			lm := refLoss(p, ids, targets, w, c, tau)
			same = same && sameRoutes()
			tn.Data[k] = orig
			if !same {
				skipped++
				continue
			}
			fd := (lp - lm) / (hp + hm)
			got := float64(grads[i][k])
			worst = math.Max(worst, math.Abs(fd))
			if math.Abs(got-fd) > 2e-3*math.Abs(fd)+2e-4 {
				t.Errorf("d loss/d %s[%d] = %.6g, finite difference %.6g", tn.Name, k, got, fd)
			}
		}
		t.Logf("%-22s largest |gradient| sampled %.3g", tn.Name, worst)
	}
	if skipped > tried/10 {
		t.Errorf("%d of %d samples changed the experts' selection: pick inputs further from ties", skipped, tried)
	} else if skipped > 0 {
		t.Logf("%d of %d samples skipped: they changed the experts' selection", skipped, tried)
	}
}

// checkScaled checks got = scale·want for every gradient.
func checkScaled(t *testing.T, what string, g *Graph, want, got [][]float32, scale float32) {
	t.Helper()
	for i := range want {
		for k := range want[i] {
			if d := got[i][k] - scale*want[i][k]; d > 1e-5 || d < -1e-5 {
				t.Errorf("%s: %s[%d]: gradient %v, want %v·%v", what, g.Weights[i].Name(), k, got[i][k], scale, want[i][k])
				return
			}
		}
	}
}

// TestGraphShapes holds the graph to the reference across widths (including powers of two from
// 128 up, where gorgonia's slice hashing once merged q and v) and degenerate batch shapes.
func TestGraphShapes(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		B, T int
	}{
		{Config{Vocab: 11, Ctx: 12, DModel: 96, Heads: 2, Layers: 1, DFF: 32}, 3, 7},
		{Config{Vocab: 11, Ctx: 12, DModel: 128, Heads: 1, Layers: 1, DFF: 32}, 3, 7},
		{Config{Vocab: 11, Ctx: 12, DModel: 256, Heads: 4, Layers: 1, DFF: 32}, 2, 5},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}, 1, 1},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}, 1, 12},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}, 4, 1},
		{Config{Vocab: 2, Ctx: 3, DModel: 4, Heads: 4, Layers: 3, DFF: 1}, 2, 3},
		{Config{Vocab: 11, Ctx: 12, DModel: 256, Heads: 4, Layers: 1, DFF: 32, RoPE: true}, 2, 5},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32, RoPE: true}, 1, 12},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32, RoPE: true}, 4, 1},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 3, DFF: 1, RoPE: true}, 2, 3},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32, RoPE: true, RoPEBase: 30}, 2, 7},
		{Config{Vocab: 11, Ctx: 12, DModel: 256, Heads: 4, Layers: 1, DFF: 32, RelBias: true}, 2, 5},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32, RelBias: true}, 1, 12},
		{Config{Vocab: 11, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32, RelBias: true}, 4, 1},
		{Config{Vocab: 2, Ctx: 3, DModel: 4, Heads: 4, Layers: 3, DFF: 1, RelBias: true}, 2, 3},
		{Config{Vocab: 2, Ctx: 3, DModel: 8, Heads: 4, Layers: 3, DFF: 1, RoPE: true, RelBias: true}, 2, 2},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		p, err := New(tc.cfg, rng)
		must(t, err)
		perturb(p, rng, 0.1)
		g, err := NewGraph(p, tc.B, tc.T, 1)
		if err != nil {
			t.Errorf("%+v B=%d T=%d: %v", tc.cfg, tc.B, tc.T, err)
			continue
		}
		ids, targets := randomTokens(rng, tc.B, tc.T, tc.cfg.Vocab), randomTokens(rng, tc.B, tc.T, tc.cfg.Vocab)
		logp, entropy := runForward(t, g, ids, targets)
		worst := 0.0
		for b := 0; b < tc.B; b++ {
			wl, we := refLogpEntropy(p, ids[b], targets[b], 1)
			for i := 0; i < tc.T; i++ {
				worst = math.Max(worst, math.Abs(float64(logp[b*tc.T+i])-wl[i]))
				worst = math.Max(worst, math.Abs(float64(entropy[b*tc.T+i])-we[i]))
			}
		}
		if worst > 1e-4 {
			t.Errorf("%+v B=%d T=%d: graph differs from the reference by %.3g", tc.cfg, tc.B, tc.T, worst)
		}
	}
}

// TestGraphSteps runs one machine for several steps the way the trainer does (new inputs, run,
// read, zero the gradients, reset, update the weights in place) and holds every step's outputs and
// gradients to a fresh graph's: nothing leaks from one step into the next.
func TestGraphSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	p, err := New(tinyConfig(), rng)
	must(t, err)
	perturb(p, rng, 0.2)
	const B, T = 3, 5
	w := make([]float32, B*T)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	g, err := NewGraph(p, B, T, 1)
	must(t, err)
	trainerLoss(t, g, w, 0.1)
	m := gorgonia.NewTapeMachine(g.G, gorgonia.BindDualValues(g.Weights...))
	defer m.Close()
	grads := make([][]float32, len(g.Weights))
	for step := 0; step < 4; step++ {
		ids, targets := randomTokens(rng, B, T, p.Config.Vocab), randomTokens(rng, B, T, p.Config.Vocab)
		must(t, g.SetInputs(ids, targets))
		must(t, m.RunAll())
		logp, _, err := g.Outputs()
		must(t, err)
		must(t, g.Grads(grads))
		g.ZeroGrads()
		m.Reset()

		fresh, err := NewGraph(p, B, T, 1)
		must(t, err)
		trainerLoss(t, fresh, w, 0.1)
		must(t, fresh.SetInputs(ids, targets))
		fm := gorgonia.NewTapeMachine(fresh.G, gorgonia.BindDualValues(fresh.Weights...))
		must(t, fm.RunAll())
		wantLogp, _, err := fresh.Outputs()
		must(t, err)
		want := make([][]float32, len(fresh.Weights))
		must(t, fresh.Grads(want))
		fm.Close()
		for r := range logp {
			if logp[r] != wantLogp[r] {
				t.Fatalf("step %d: Logp[%d] = %v, a fresh graph gives %v", step, r, logp[r], wantLogp[r])
			}
		}
		checkScaled(t, "step", g, want, grads, 1)
		perturb(p, rng, 0.05) // the optimizer's in-place update
	}
}
