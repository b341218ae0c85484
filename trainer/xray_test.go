package trainer

import (
	"fmt"
	"math"
	"testing"

	"mathzero/reward"
)

// TestXRayCheckpoint X-rays a freshly trained checkpoint and checks the report's invariants:
// advantages centred per group and position, shares summing to 1, ratios of 1 at μ = 1, and each
// normalisation's loss equal to referenceObjective under that normalisation's weights.
func TestXRayCheckpoint(t *testing.T) {
	cfg := tinyConfig()
	cfg.Steps, cfg.EvalEvery, cfg.SaveEvery = 1, 0, 0
	_, dir := runTiny(t, cfg)
	params, loaded, err := LoadPolicy(dir)
	if err != nil {
		t.Fatal(err)
	}
	mix, err := reward.Builtins().ParseSpec("partial=1,correct=0.5,format=0.1")
	if err != nil {
		t.Fatal(err)
	}
	const groups = 3
	r, err := XRay(params, loaded, mix, groups, 7)
	if err != nil {
		t.Fatalf("XRay: %v", err)
	}
	if len(r.Groups) != groups || !r.Process {
		t.Fatalf("XRay: %d groups, process %v; want %d, true", len(r.Groups), r.Process, groups)
	}
	if r.MaxLogpDiff > 1e-4 {
		t.Errorf("max |logp - oldLogp| = %g at μ=1; want rounding only", r.MaxLogpDiff)
	}

	var logp, entropy, meanLogp, oldLogp, refLogp, adv []float64
	var lens []int
	var shares float64
	for gi, g := range r.Groups {
		if len(g.Completions) != cfg.G {
			t.Fatalf("group %d has %d completions, want G = %d", gi, len(g.Completions), cfg.G)
		}
		for pos := 0; ; pos++ {
			var sum float64
			n := 0
			for _, c := range g.Completions {
				if pos < len(c.Tokens) {
					sum += c.Tokens[pos].Adv
					n++
				}
			}
			if n == 0 {
				break
			}
			if math.Abs(sum/float64(n)) > 1e-6 { // the step's advantages are float32
				t.Errorf("group %d position %d: mean advantage %g, want 0", gi, pos, sum/float64(n))
			}
		}
		for _, c := range g.Completions {
			lens = append(lens, len(c.Tokens))
			for _, x := range c.Tokens {
				if math.Abs(x.Ratio-1) > 1e-4 || x.Clipped {
					t.Errorf("token ratio %g clipped %v at μ=1; want 1, false", x.Ratio, x.Clipped)
				}
				shares += x.Share
				logp, entropy, meanLogp = append(logp, x.Logp), append(entropy, x.Entropy), append(meanLogp, x.MeanLogp)
				oldLogp, refLogp, adv = append(oldLogp, x.OldLogp), append(refLogp, x.RefLogp), append(adv, x.Adv)
			}
		}
	}
	if math.Abs(shares-1) > 1e-9 {
		t.Errorf("loss shares sum to %g, want 1", shares)
	}
	p := objectiveParams{eps: loaded.Eps, epsHigh: loaded.EpsHigh, beta: loaded.Beta, uniformKL: loaded.UniformKL,
		entropyCoef: loaded.EntropyCoef, vocab: loaded.Model.Vocab}
	for _, norm := range []LossNorm{PerSequence, PerToken, Constant} {
		var w []float64
		for _, ws := range lossWeights(norm, lens, loaded.Skills[0].MaxAnswerLen()) {
			w = append(w, ws...)
		}
		want := referenceObjective(logp, entropy, meanLogp, oldLogp, refLogp, adv, w, p).loss
		if got := r.Norms[norm].Loss; math.Abs(got-want) > 1e-9 {
			t.Errorf("XRay loss under %v = %g, referenceObjective = %g", norm, got, want)
		}
		var top float64
		for _, s := range r.Norms[norm].Top {
			if s.Share > top && top != 0 {
				t.Errorf("%v: top shares not in decreasing order: %+v", norm, r.Norms[norm].Top)
			}
			top = s.Share
		}
	}
	if r.Loss != r.Norms[loaded.Norm].Loss {
		t.Errorf("Loss = %g, want the run's normalisation's %g", r.Loss, r.Norms[loaded.Norm].Loss)
	}
}

// TestXRayMatchesStep holds the graph-free X-ray to the trainer: on the initial weights with the
// run's seed it draws the first step's batch, and its loss is the one Step reports.
func TestXRayMatchesStep(t *testing.T) {
	// The uniform tutor at the top of the ladder draws the problems the X-ray draws.
	plain := tinyConfig()
	plain.Curriculum, plain.Tutor = 0, UniformTutor
	regs := plain
	regs.Beta, regs.EntropyCoef, regs.Credit, regs.Norm, regs.DynamicSampling = 0.04, 0.01, OutcomeCredit, PerSequence, true
	regs.Rewards = "correct=1,format=0.1"
	// Rollouts drawn by a rounded copy: π_old and the advantages' importance weights are the step's.
	fp8 := plain
	fp8.Model.DModel, fp8.Model.DFF, fp8.RolloutPrecision = 64, 256, FP8
	for _, cfg := range []Config{plain, regs, fp8} {
		name := fmt.Sprintf("%s/%v/%v", cfg.Rewards, cfg.Norm, cfg.RolloutPrecision)
		tr, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		mix, err := reward.Builtins().ParseSpec(cfg.Rewards)
		if err != nil {
			t.Fatal(err)
		}
		r, err := XRay(tr.Policy().Clone(), cfg, mix, cfg.Prompts, cfg.Seed)
		if err != nil {
			t.Fatalf("XRay: %v", err)
		}
		// Token by token, the inputs the step's objective is given.
		twin, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		gs, _, in, _, _, err := twin.collect()
		if err != nil {
			t.Fatal(err)
		}
		b, tokens := 0, 0
		for gi, g := range r.Groups {
			if g.Problem.String() != gs[gi].problem.String() {
				t.Fatalf("%s: X-ray group %d is %v; the step's is %v", name, gi, g.Problem, gs[gi].problem)
			}
			for ci, c := range g.Completions {
				for k, x := range c.Tokens {
					j := b*twin.seqLen + len(gs[gi].prompt) - 1 + k
					if float32(x.Adv) != in.adv[j] || float32(x.OldLogp) != in.oldLogp[j] || float32(x.RefLogp) != in.refLogp[j] {
						t.Fatalf("%s: group %d completion %d token %d: X-ray adv, old, ref %v %v %v; step %v %v %v",
							name, gi, ci, k, x.Adv, x.OldLogp, x.RefLogp, in.adv[j], in.oldLogp[j], in.refLogp[j])
					}
					tokens++
				}
				b++
			}
		}
		if tokens != in.answerTokens {
			t.Errorf("%s: X-ray has %d answer tokens; the step %d", name, tokens, in.answerTokens)
		}
		st, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Loss-st.Loss) > 1e-5+1e-3*math.Abs(st.Loss) {
			t.Errorf("%s: XRay loss %g, Step loss %g", name, r.Loss, st.Loss)
		}
	}
}

func TestXRayMisuse(t *testing.T) {
	cfg := tinyConfig()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mix, err := reward.Builtins().ParseSpec(cfg.Rewards)
	if err != nil {
		t.Fatal(err)
	}
	wide := cfg
	wide.Model.DModel = 32
	for _, tc := range []struct {
		name   string
		cfg    Config
		mix    reward.Mix
		groups int
	}{
		{"zero groups", cfg, mix, 0},
		{"empty mix", cfg, nil, 2},
		{"shape mismatch", wide, mix, 2},
		{"invalid config", Config{}, mix, 2},
	} {
		if _, err := XRay(tr.Policy(), tc.cfg, tc.mix, tc.groups, 1); err == nil {
			t.Errorf("XRay(%s) = nil error, want one", tc.name)
		}
	}
	if _, err := XRay(nil, cfg, mix, 2, 1); err == nil {
		t.Errorf("XRay(nil policy) = nil error, want one")
	}
}
