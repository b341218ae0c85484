package trainer

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"mathzero/checkpoints"
	"mathzero/env/arith"
	"mathzero/reward"
)

// failingMix is correct=1 plus a custom component "bad" that calls fail after n calls.
func failingMix(t *testing.T, n int, fail func() float64, tokens bool) reward.Mix {
	t.Helper()
	calls := 0
	bad := reward.Reward{Name: "bad", Doc: "fails", Min: 0, Max: 1,
		Score: func(p arith.Problem, c reward.Completion) (float64, bool) {
			if calls++; calls > n {
				return fail(), true
			}
			return 0.5, true
		}}
	if tokens {
		bad.Score = func(arith.Problem, reward.Completion) (float64, bool) { return 0, true }
		bad.Tokens = func(p arith.Problem, c reward.Completion) []float64 {
			out := make([]float64, len(c.Tokens))
			if calls++; calls > n && len(out) > 0 {
				out[len(out)-1] = fail()
			}
			return out
		}
	}
	r := reward.Builtins()
	if err := r.Add(bad); err != nil {
		t.Fatal(err)
	}
	m, err := r.ParseSpec("correct=1,bad=0.5")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRewardFailureStopsRun: a reward that panics, or returns NaN or an infinity, stops the run
// with an error naming it and the completion, after a checkpoint that stays loadable.
func TestRewardFailureStopsRun(t *testing.T) {
	tests := []struct {
		name   string
		fail   func() float64
		tokens bool
		cause  string
		save   int // SaveEvery: 1 saves step 1 before the failure, so the failure saves it again
	}{
		{"panic", func() float64 { panic("index out of range") }, false, "panic: index out of range", 0},
		{"nan", math.NaN, false, "score NaN", 0},
		{"inf", func() float64 { return math.Inf(-1) }, false, "score -Inf", 0},
		{"token-nan", math.NaN, true, "score NaN", 0},
		{"token-panic", func() float64 { panic("boom") }, true, "panic: boom", 0},
		{"panic-after-save", func() float64 { panic("late") }, false, "panic: late", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tinyConfig()
			cfg.Steps, cfg.SaveEvery, cfg.EvalEvery = 5, tt.save, 0
			// Fail in the second step: the first step's update is done and must survive.
			tr, err := NewWithRewards(cfg, failingMix(t, cfg.Prompts*cfg.G+3, tt.fail, tt.tokens))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			err = tr.Run(context.Background(), dir, nil)
			var rerr *RewardError
			if !errors.As(err, &rerr) {
				t.Fatalf("Run = %v; want a *RewardError", err)
			}
			if rerr.Reward != "bad" || !strings.Contains(rerr.Cause, tt.cause) || rerr.Problem.Skill != cfg.Skills[0] {
				t.Errorf("Run error = %+v; want reward bad, cause %q, a problem of %v", rerr, tt.cause, cfg.Skills[0])
			}
			if msg := err.Error(); !strings.Contains(msg, `reward "bad"`) || !strings.Contains(msg, rerr.Problem.String()) {
				t.Errorf("error %q does not name the reward and the problem", msg)
			}
			if tr.StepCount() != 1 {
				t.Errorf("StepCount = %d; want 1", tr.StepCount())
			}
			p, _, err := LoadPolicy(dir)
			if err != nil {
				t.Fatalf("LoadPolicy after a reward failure: %v", err)
			}
			for i, w := range p.Tensors {
				if !slices.Equal(w.Data, tr.Policy().Tensors[i].Data) {
					t.Fatalf("checkpoint tensor %s differs from the policy", w.Name)
				}
				for _, x := range w.Data {
					if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
						t.Fatalf("checkpoint tensor %s holds %v", w.Name, x)
					}
				}
			}
			if ck, err := checkpoints.Load(dir); err != nil || ck.Step != 1 {
				t.Errorf("checkpoint step = %v, %v; want 1", ck.Step, err)
			}
			// A step saved and measured before the failure keeps its accuracy: it is the best.
			if b, err := bestSoFar(dir); err != nil || (tt.save > 0 && b.name != "step-000001") {
				t.Errorf("best checkpoint after the failure = %+v, %v; want step-000001 when saved", b, err)
			}
		})
	}
}

// TestSafeScoreMatchesMix: on healthy rewards safeScore returns exactly what Mix.Score and
// Mix.TokenScores return.
func TestSafeScoreMatchesMix(t *testing.T) {
	m, err := reward.Builtins().ParseSpec("correct=1,format=0.1,partial=0.5,closeness=0.3,length=1,sign=0.2,think=1")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		s := arith.AllSkills()[rng.IntN(len(arith.AllSkills()))]
		p := arith.Generate(s, rng)
		ts := make([]arith.Token, rng.IntN(9))
		for k := range ts {
			ts[k] = arith.Token(rng.IntN(arith.VocabSize))
		}
		if rng.IntN(3) == 0 {
			ts = arith.EncodeAnswer(p.Answer)
		}
		c := reward.Completion{Tokens: ts}
		total, parts, ok, toks, err := safeScore(m, p, c, true)
		wt, wp, wok := m.Score(p, c)
		wtoks := m.TokenScores(p, c)
		if err != nil || total != wt || !slices.Equal(ok, wok) || !slices.Equal(toks, wtoks) {
			t.Fatalf("safeScore(%v, %q) = %v, %v, %v, %v, %v; want %v, %v, %v, %v", p, c.Text(), total, parts, ok, toks, err, wt, wp, wok, wtoks)
		}
		for i := range parts {
			if parts[i] != wp[i] && !(math.IsNaN(parts[i]) && math.IsNaN(wp[i])) {
				t.Fatalf("safeScore(%v, %q) parts = %v; want %v", p, c.Text(), parts, wp)
			}
		}
	}
}
