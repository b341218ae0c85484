package trainer

import (
	"testing"

	"mathzero/env/arith"
)

// TestLearnsOneDigitAddition is the short, real learning test: from random weights, by GRPO alone,
// the default policy must get well above chance at 1-digit addition within a fixed budget of
// steps (measured: 0% before, 23% after; the bar is 15%). Chance is about 1% (one of 19 sums, written as 1-2 digits and an end token); accuracy is
// greedy exact match over all 100 problems a+b with a, b < 10.
func TestLearnsOneDigitAddition(t *testing.T) {
	if testing.Short() {
		t.Skip("learning test: skipped with -short")
	}
	cfg := Default()
	cfg.Skills = Skills{{Kind: arith.Add, Digits: 1}}
	cfg.Prompts, cfg.Steps = 32, 150
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var all []arith.Problem
	for a := range 10 {
		for b := range 10 {
			p, err := arith.NewProblem(cfg.Skills[0], []int{a, b}, nil)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, p)
		}
	}
	before, err := Greedy(tr.sampler, cfg, all, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range cfg.Steps {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	after, err := Greedy(tr.sampler, cfg, all, 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("greedy accuracy on 1-digit addition: %.0f%% before, %.0f%% after %d steps (%d sequences); mistakes %v",
		100*before.Accuracy(), 100*after.Accuracy(), cfg.Steps, tr.sequences, after.Mistakes)
	if after.Accuracy() < 0.15 || after.Accuracy() <= before.Accuracy() {
		t.Errorf("after %d steps greedy accuracy is %.0f%%; want at least 15%%", cfg.Steps, 100*after.Accuracy())
	}
}
