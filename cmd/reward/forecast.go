package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"text/tabwriter"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
)

// starving is the share of informative groups under which forecast warns.
const starving = 0.2

// forecast samples the checkpoint's policy on n problems x G completions per skill of its config,
// at temperature 1, and prints each skill's pass rate p, the forecast share of informative groups
// 1 - p^G - (1-p)^G, and the share measured on the sampled groups themselves. The forecast
// assumes one p for every problem of the skill; when per-problem pass rates spread towards 0 and 1
// (a confident, low-entropy policy) the measured share is lower, and it is the one training sees.
// It warns where either is under 20%.
func forecast(ctx context.Context, w io.Writer, path string, n, g int, seed uint64) error {
	policy, cfg, err := trainer.LoadPolicy(path)
	if err != nil {
		return err
	}
	if g == 0 {
		g = cfg.G
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	sampler := model.NewSampler(policy)
	fmt.Fprintf(w, "forecast: %s, %d problems x G=%d per skill, temperature 1\n", path, n, g)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "skill\tpass rate p\tforecast 1-p^G-(1-p)^G\tmeasured")
	var warnings []string
	for _, s := range cfg.Skills {
		if err := ctx.Err(); err != nil {
			return err
		}
		probs := make([]arith.Problem, n)
		prompts := make([][]int, 0, n*g)
		for i := range probs {
			probs[i] = cfg.Pose(arith.Generate(s, rng))
			prompt := arith.IDs(cfg.Prompt(probs[i]))
			for range g {
				prompts = append(prompts, prompt)
			}
		}
		_, maxNew := cfg.SkillShape(s)
		samples, err := sampler.Generate(prompts, maxNew, 1, int(arith.End), rng)
		if err != nil {
			return fmt.Errorf("sample %s: %w", s, err)
		}
		pass, mixed := 0, 0
		for i, p := range probs {
			k := 0
			for _, smp := range samples[i*g : (i+1)*g] {
				v, err := arith.DecodeAnswer(p.FinalAnswer(arith.FromIDs(smp.Tokens)))
				if err == nil && v == p.Answer {
					k++
				}
			}
			pass += k
			if k > 0 && k < g {
				mixed++
			}
		}
		p := float64(pass) / float64(n*g)
		informative := 1 - math.Pow(p, float64(g)) - math.Pow(1-p, float64(g))
		fmt.Fprintf(tw, "%s\t%.3f\t%.1f%%\t%.1f%%\n", s, p, 100*informative, 100*float64(mixed)/float64(n))
		if measured := float64(mixed) / float64(n); min(informative, measured) < starving {
			warnings = append(warnings, fmt.Sprintf("warning: %s: only %.1f%% of groups would carry an outcome signal (forecast %.1f%% at p = %.3f, measured %.1f%%): an outcome reward starves; try a denser reward (partial), a larger G, or an easier curriculum",
				s, 100*min(informative, measured), 100*informative, p, 100*measured))
		}
	}
	tw.Flush()
	for _, wn := range warnings {
		fmt.Fprintln(w, wn)
	}
	return nil
}
