package trainer

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGroupAdvantagesTable(t *testing.T) {
	tests := []struct {
		name     string
		outcome  []float64
		tokens   [][]float64
		lens     []int
		scaleStd bool
		want     [][]float64
	}{
		{
			name:    "outcome only, mean-centred (Dr. GRPO)",
			outcome: []float64{1, 0, 0, 1},
			lens:    []int{2, 1, 2, 1},
			want:    [][]float64{{0.5, 0.5}, {-0.5}, {-0.5, -0.5}, {0.5}},
		},
		{
			name:     "outcome only, std-scaled (GRPO): population std 0.5",
			outcome:  []float64{1, 0, 0, 1},
			lens:     []int{2, 1, 2, 1},
			scaleStd: true,
			want:     [][]float64{{0.5 / (0.5 + stdEps), 0.5 / (0.5 + stdEps)}, {-0.5 / (0.5 + stdEps)}, {-0.5 / (0.5 + stdEps), -0.5 / (0.5 + stdEps)}, {0.5 / (0.5 + stdEps)}},
		},
		{
			// Not the two completions that reach position 1 against each other (mean 1, so 0 and
			// 0 there): outcome credit gives every token its completion's whole-group advantage.
			name:    "outcome only, lengths differ: every position against the whole group",
			outcome: []float64{1, 1, 0, 0},
			lens:    []int{2, 1, 1, 2},
			want:    [][]float64{{0.5, 0.5}, {0.5}, {-0.5}, {-0.5, -0.5}},
		},
		{
			name:    "all equal: no signal",
			outcome: []float64{0.3, 0.3, 0.3},
			lens:    []int{1, 2, 3},
			want:    [][]float64{{0}, {0, 0}, {0, 0, 0}},
		},
		{
			// Position 0: r = 0+1, 0+0 -> mean 0.5. Position 1: only completion 0 reaches it -> 0.
			name:    "process: each position against the completions that reach it",
			outcome: []float64{0, 0},
			tokens:  [][]float64{{1, 1}, {0}},
			lens:    []int{2, 1},
			want:    [][]float64{{0.5, 0}, {-0.5}},
		},
		{
			// r = outcome + token: position 0: 2, 0, 1 -> mean 1; position 1: 1.5, 0 -> mean 0.75.
			name:    "process plus outcome",
			outcome: []float64{1, 0, 1},
			tokens:  [][]float64{{1, 0.5}, {0, 0}, {0}},
			lens:    []int{2, 2, 1},
			want:    [][]float64{{1, 0.75}, {-1, -0.75}, {0}},
		},
	}
	for _, tc := range tests {
		got := groupAdvantages(tc.outcome, tc.tokens, tc.lens, tc.scaleStd)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d rows; want %d", tc.name, len(got), len(tc.want))
		}
		for i := range tc.want {
			if len(got[i]) != len(tc.want[i]) {
				t.Fatalf("%s: row %d has %d advantages; want %d", tc.name, i, len(got[i]), len(tc.want[i]))
			}
			for k := range tc.want[i] {
				if math.Abs(got[i][k]-tc.want[i][k]) > 1e-12 {
					t.Errorf("%s: adv[%d][%d] = %v; want %v (all: %v)", tc.name, i, k, got[i][k], tc.want[i][k], got)
				}
			}
		}
	}
}

// Under outcome credit the trainer's advantages are the ones OutcomeAdvantages shows (inspect, the
// X-ray), at every token, whatever the completions' lengths.
func TestOutcomeAdvantagesAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := 0; trial < 100; trial++ {
		n := 2 + rng.IntN(8)
		outcome := make([]float64, n)
		lens := make([]int, n)
		for i := range outcome {
			outcome[i] = rng.Float64()
			lens[i] = 1 + rng.IntN(6)
		}
		want := OutcomeAdvantages(outcome)
		for i, row := range groupAdvantages(outcome, nil, lens, true) {
			for k, a := range row {
				if a != want[i] {
					t.Fatalf("trial %d: completion %d (of lengths %v) token %d has advantage %v; OutcomeAdvantages gives %v", trial, i, lens, k, a, want[i])
				}
			}
		}
	}
}

// TestGroupAdvantagesProperties checks, on random groups, the two facts the advantages exist for:
// at every position they sum to zero over the completions that reach it (the group mean is the
// baseline), and with ScaleStd their population std there is 1 (or 0 when the rewards are equal).
func TestGroupAdvantagesProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 200; trial++ {
		n := 2 + rng.IntN(8)
		outcome := make([]float64, n)
		tokens := make([][]float64, n)
		lens := make([]int, n)
		for i := range outcome {
			outcome[i] = float64(rng.IntN(3))
			lens[i] = 1 + rng.IntN(5)
			for range lens[i] {
				tokens[i] = append(tokens[i], float64(rng.IntN(2)))
			}
		}
		adv := groupAdvantages(outcome, tokens, lens, true)
		for pos := 0; pos < 5; pos++ {
			var col []float64
			for i := range adv {
				if pos < lens[i] {
					col = append(col, adv[i][pos])
				}
			}
			if len(col) == 0 {
				continue
			}
			mean, std := meanStd(col)
			if math.Abs(mean) > 1e-9 {
				t.Fatalf("trial %d position %d: advantages %v have mean %v; want 0", trial, pos, col, mean)
			}
			if std != 0 && math.Abs(std-1) > 1e-3 {
				t.Fatalf("trial %d position %d: advantages %v have std %v; want 1", trial, pos, col, std)
			}
		}
	}
}

func TestLossWeights(t *testing.T) {
	lens := []int{1, 3}
	sum := func(w [][]float64) (s float64) {
		for _, r := range w {
			for _, v := range r {
				s += v
			}
		}
		return s
	}
	// Per sequence: each completion's tokens weigh 1/N in all. Per token: every token 1/Σ|o|.
	// Constant: 1/(N·L) each, so the total is Σ|o|/(N·L).
	if w := lossWeights(PerSequence, lens, 4); w[0][0] != 0.5 || w[1][0] != 1.0/6 || math.Abs(sum(w)-1) > 1e-12 {
		t.Errorf("PerSequence weights %v", w)
	}
	if w := lossWeights(PerToken, lens, 4); w[0][0] != 0.25 || w[1][2] != 0.25 {
		t.Errorf("PerToken weights %v", w)
	}
	if w := lossWeights(Constant, lens, 4); w[0][0] != 0.125 || math.Abs(sum(w)-0.5) > 1e-12 {
		t.Errorf("Constant weights %v", w)
	}
}

// TestObjectiveAgainstReference builds the GRPO loss on free log-prob and entropy vectors and checks
// its value against the plain-Go reference, and its gradient against central finite differences of
// that reference, for ratios inside and outside the clip range and advantages of both signs.
func TestObjectiveAgainstReference(t *testing.T) {
	for _, p := range []objectiveParams{
		{eps: 0.2},
		{eps: 0.2, epsHigh: 0.28, beta: 0.1},
		{eps: 0.1, beta: 0.05, entropyCoef: 0.01},
		{eps: 0.2, uniformKL: 0.02, vocab: 20},
	} {
		const n = 24
		rng := rand.New(rand.NewPCG(1, 2))
		logp, entr, meanLogp, old, ref, adv, w := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for k := 0; k < n; k++ {
			old[k] = -0.2 - 2*rng.Float64()
			// Ratios spread over [0.6, 1.5]: some clipped either way, some not.
			logp[k] = old[k] + math.Log(0.6+0.9*rng.Float64())
			ref[k] = old[k] + 0.3*rng.NormFloat64()
			entr[k] = rng.Float64()
			meanLogp[k] = -3 - rng.Float64()
			adv[k] = rng.NormFloat64()
			if k%5 != 0 {
				w[k] = rng.Float64() // every fifth is off the answer
			}
		}
		g := G.NewGraph()
		vec := func(name string, x []float64) *G.Node {
			return G.NewVector(g, tensor.Float32, G.WithShape(n), G.WithName(name), G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(f32(x)))))
		}
		logpN, entrN, meanN := vec("logp", logp), vec("entropy", entr), vec("meanLogp", meanLogp)
		obj, err := newObjective(logpN, entrN, meanN, n, p)
		if err != nil {
			t.Fatal(err)
		}
		// A steered β_u reaches the graph through its input node, not the value built with.
		if p.uniformKL > 0 {
			p.uniformKL *= 3
		}
		if err := obj.set(f32(adv), f32(old), f32(ref), f32(w), p.uniformKL); err != nil {
			t.Fatal(err)
		}
		var gradVal, meanGradVal G.Value
		wrt := []*G.Node{logpN}
		if p.uniformKL > 0 {
			wrt = append(wrt, meanN)
		}
		grads, err := G.Grad(obj.loss, wrt...)
		if err != nil {
			t.Fatal(err)
		}
		G.Read(grads[0], &gradVal)
		if p.uniformKL > 0 {
			G.Read(grads[1], &meanGradVal)
		}
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		// Round the inputs through float32 so both sides see the same numbers.
		logp, entr, meanLogp, old, ref, adv, w = f64(f32(logp)), f64(f32(entr)), f64(f32(meanLogp)), f64(f32(old)), f64(f32(ref)), f64(f32(adv)), f64(f32(w))
		want := referenceObjective(logp, entr, meanLogp, old, ref, adv, w, p).loss
		if got := obj.Loss(); math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Errorf("%+v: graph loss %v; reference %v", p, got, want)
		}
		grad := gradVal.Data().([]float32)
		const h = 1e-6
		for k := 0; k < n; k++ {
			up, down := append([]float64(nil), logp...), append([]float64(nil), logp...)
			up[k] += h
			down[k] -= h
			fd := (referenceObjective(up, entr, meanLogp, old, ref, adv, w, p).loss - referenceObjective(down, entr, meanLogp, old, ref, adv, w, p).loss) / (2 * h)
			if math.Abs(float64(grad[k])-fd) > 1e-4*math.Max(1, math.Abs(fd)) {
				t.Errorf("%+v: dloss/dlogp[%d] = %v; finite difference %v", p, k, grad[k], fd)
			}
			if p.uniformKL > 0 {
				up, down := append([]float64(nil), meanLogp...), append([]float64(nil), meanLogp...)
				up[k] += h
				down[k] -= h
				fd := (referenceObjective(logp, entr, up, old, ref, adv, w, p).loss - referenceObjective(logp, entr, down, old, ref, adv, w, p).loss) / (2 * h)
				if g := float64(meanGradVal.Data().([]float32)[k]); math.Abs(g-fd) > 1e-4*math.Max(1, math.Abs(fd)) {
					t.Errorf("%+v: dloss/dmeanLogp[%d] = %v; finite difference %v", p, k, g, fd)
				}
			}
		}
		vm.Close()
	}
}

func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
