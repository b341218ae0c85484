package main

import (
	"fmt"
	"io"
	"math"
	"sort"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
)

// Diff compares the inspected policy a with another checkpoint's policy b.
type Diff struct {
	Other string `json:"other"`
	// Change is each tensor's relative change ||a - b|| / ||b|| (||a - b|| where b is all zeros).
	Change map[string]float64 `json:"change"`
	// KL is the mean over probe positions of KL(π_a || π_b) = Σ_v π_a(v) log(π_a(v)/π_b(v)), in nats,
	// at every answer position of the probe prompts' greedy answers under a (temperature 1).
	KL        float64 `json:"kl"`
	Probes    int     `json:"probes"`
	Positions int     `json:"positions"`
}

// diffPolicies loads the policy at other and compares a with it on n held-out probe prompts (the
// skills of a's config in turn, drawn from its seed).
func diffPolicies(a *model.Params, cfg trainer.Config, other string, n int) (*Diff, error) {
	b, _, err := trainer.LoadPolicy(other)
	if err != nil {
		return nil, err
	}
	if a.Config != b.Config {
		return nil, fmt.Errorf("-diff %s: model %+v differs from %+v", other, b.Config, a.Config)
	}
	d := &Diff{Other: other, Change: map[string]float64{}}
	for i, ta := range a.Tensors {
		var num, den float64
		for j, x := range ta.Data {
			y := float64(b.Tensors[i].Data[j])
			num += (float64(x) - y) * (float64(x) - y)
			den += y * y
		}
		if den == 0 {
			den = 1 // b is all zeros (a fresh bias): the absolute change
		}
		d.Change[ta.Name] = math.Sqrt(num / den)
	}

	// The probe set: the first problems of each skill's held-out set, skills in turn.
	sets := make([][]arith.Problem, len(cfg.Skills))
	for i, s := range cfg.Skills {
		sets[i] = arith.HeldOutSet(s, (n+len(cfg.Skills)-1)/len(cfg.Skills), cfg.Seed)
	}
	var prompts [][]int
	maxNew := 0
	for i := 0; len(prompts) < n; i++ {
		set := sets[i%len(sets)]
		if i/len(sets) >= len(set) {
			break
		}
		prompts = append(prompts, arith.IDs(cfg.Prompt(set[i/len(sets)])))
		_, a := cfg.SkillShape(cfg.Skills[i%len(sets)])
		maxNew = max(maxNew, a)
	}
	sa, sb := model.NewSampler(a), model.NewSampler(b)
	greedy, err := sa.Generate(prompts, maxNew, 0, int(arith.End), nil)
	if err != nil {
		return nil, err
	}
	completions := make([][]int, len(greedy))
	for i, g := range greedy {
		completions[i] = g.Tokens
	}
	pa, err := sa.NextDistributions(prompts, completions, 1)
	if err != nil {
		return nil, err
	}
	pb, err := sb.NextDistributions(prompts, completions, 1)
	if err != nil {
		return nil, err
	}
	var sum float64
	for i := range pa {
		for k := range pa[i] {
			sum += kl(pa[i][k], pb[i][k])
			d.Positions++
		}
	}
	d.Probes = len(prompts)
	if d.Positions > 0 {
		d.KL = sum / float64(d.Positions)
	}
	return d, nil
}

// kl is Σ_v p(v) log(p(v)/q(v)), with q floored at 1e-30 so a zero never gives +Inf.
func kl(p, q []float32) float64 {
	var s float64
	for v, pv := range p {
		if pv > 0 {
			s += float64(pv) * math.Log(float64(pv)/math.Max(float64(q[v]), 1e-30))
		}
	}
	return math.Max(s, 0)
}

func printDiff(w io.Writer, d *Diff) {
	fmt.Fprintf(w, "diff against %s: mean KL(this || other) %.4g nats over %d answer positions of %d probes\n",
		d.Other, d.KL, d.Positions, d.Probes)
	for _, name := range sortedKeys(d.Change) {
		fmt.Fprintf(w, "  %-22s relative change %.4g\n", name, d.Change[name])
	}
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
