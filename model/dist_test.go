package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNextDistributionsMatchesLogProbs: each distribution sums to 1 and gives the completion's own
// token the probability LogProbs reports.
func TestNextDistributionsMatchesLogProbs(t *testing.T) {
	cfg := Config{Vocab: 11, Ctx: 10, DModel: 16, Heads: 2, Layers: 2, DFF: 32}
	p, err := New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSampler(p)
	prompts := [][]int{{1, 2, 3}, {4}, {5, 6, 7, 8, 9}}
	completions := [][]int{{3, 10, 0}, {}, {1, 2}}
	for _, temp := range []float64{0, 1, 0.7} {
		dists, err := s.NextDistributions(prompts, completions, temp)
		if err != nil {
			t.Fatal(err)
		}
		logp, err := s.LogProbs(prompts, completions, temp)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range completions {
			if len(dists[i]) != len(c) {
				t.Fatalf("temperature %v: %d distributions for completion %d of %d tokens", temp, len(dists[i]), i, len(c))
			}
			for k, tok := range c {
				var sum float64
				for _, q := range dists[i][k] {
					sum += float64(q)
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Errorf("temperature %v: distribution %d,%d sums to %v", temp, i, k, sum)
				}
				if got, want := math.Log(float64(dists[i][k][tok])), float64(logp[i][k]); math.Abs(got-want) > 1e-5 {
					t.Errorf("temperature %v: log p[%d][%d][%d] = %v; LogProbs says %v", temp, i, k, tok, got, want)
				}
			}
		}
	}
	for _, bad := range []struct {
		prompts, completions [][]int
	}{
		{[][]int{{1}}, nil},
		{[][]int{{}}, [][]int{{1}}},
		{[][]int{{1}}, [][]int{{11}}},
		{[][]int{{1, 2, 3, 4, 5, 6}}, [][]int{{1, 2, 3, 4, 5}}},
	} {
		if _, err := s.NextDistributions(bad.prompts, bad.completions, 1); err == nil {
			t.Errorf("NextDistributions(%v, %v) = nil error", bad.prompts, bad.completions)
		}
	}
}
