package trainer

import (
	"fmt"
	"sort"
	"strings"

	"mathzero/env/arith"
	"mathzero/model"
)

// presets are documented bundles of settings: model size, context, skills and budget. Every other
// field is Default's.
var presets = map[string]struct {
	doc   string
	apply func(*Config)
}{
	"quick": {
		doc:   "the default: 2-digit addition, 406k parameters, 6,000 steps of 32 problems",
		apply: func(*Config) {},
	},
	"gpt3": {
		doc: "the GPT-3 arithmetic suite (Brown et al. 2020): addition and subtraction of 2 to 5 digits, " +
			"all posed at width 5, 1- and 2-digit multiplication (posed at width 5 too), the one-digit composite and digit sums, " +
			"taught by the adaptive tutor; a 3-layer model (604k parameters), 32 problems a step, 2 hours " +
			"(the 100,000 steps are a bound the clock reaches first)",
		apply: func(c *Config) {
			// One layer more than the default, for the subtraction sign, the composite and the
			// products; measured, it makes a step of this preset 18% slower.
			c.Model = model.Config{Vocab: arith.VocabSize, Ctx: 32, DModel: 128, Heads: 4, Layers: 3, DFF: 512}
			// Every addition and subtraction is posed at five digits and answered in six (Width,
			// arith.Problem.AtWidth): a 2-digit sum is a 5-digit one with leading zeros, each
			// column sits at one position for every width, and no answer has to foresee where it
			// stops. At their own widths each width wrote its digits at other positions and had
			// to be learnt again while unlearning the last: in the 2-hour run with add2, sub2,
			// add3, ... in turn, unlocking add3 took add2 from 99% to 58% held-out within 200
			// steps, and add3 was at 15% two hours in. Learnt from random weights, add5 is as
			// quick per step as add3 while add2 at width 5 is not (its digits drown among the
			// zeros), so the widest comes first and the narrower ones build on it
			// (tutor.Prerequisites). The six-digit answer matters most to subtraction, whose
			// answer otherwise drops a zero for every equal top column: learnt alone, sub5 was at
			// 33% held-out after 900 steps answered in six digits, 9% answered at its own length.
			c.Width = 5
			// Products are posed at the width too (arith.Skill.PaddedAt). mul1 comes straight
			// after the additions: beside add5 it was mastered 1,400 steps after its unlock
			// (posed at its own width it was at 35% then, and in a 2-hour run where it came
			// after the subtractions, at 28% sampled 12,000 steps on). mul2 comes before the
			// composite: its units digit is a fact of mul1's at mul1's positions, the composite
			// shares nothing with the sums.
			c.Skills = Skills{
				{Kind: arith.Add, Digits: 5}, {Kind: arith.Add, Digits: 2},
				{Kind: arith.Add, Digits: 3}, {Kind: arith.Add, Digits: 4},
				{Kind: arith.Mul, Digits: 1},
				{Kind: arith.Sub, Digits: 5}, {Kind: arith.Sub, Digits: 2},
				{Kind: arith.Sub, Digits: 3}, {Kind: arith.Sub, Digits: 4},
				{Kind: arith.Mul, Digits: 2}, {Kind: arith.Composite, Digits: 1},
				{Kind: arith.DigitSum, Digits: 4},
			}
			// One new skill at a time: unlocking add2's four successors at once took it from 91%
			// to 18% in 100 steps, and with two at a time (-frontier 2) the 2-hour run had up to
			// eleven skills learning at once (most of them demoted) and ended with 2Dx at 17.95%. A fifth of every step reviews the mastered skills: in
			// 2-hour runs, a review of half the step left mul2 7 to 11 problems of 32 and 2Dx at
			// 16.70%; a fifth let the mastered skills slip and be re-learnt more often (mul2
			// unlocked at 44 minutes, not 35) but gave mul2 the rest, and 2Dx reached 30.70%.
			c.Mastery, c.Frontier, c.Review = 0.9, 1, 0.2
			// mul2 and the composite learn side by side, one place on the frontier between
			// them. One at a time, mul2 was never mastered in two hours and the composite never
			// unlocked (1DC 1.65%); with two places (-frontier 2) it was, at 46 minutes, but
			// mul2 had unlocked beside sub5, up to eleven skills were learning at once, and 2Dx
			// reached only 17.95%. Together (and the composite's ladder by operator pair), the
			// 2-hour run had 2Dx at 34.45% and 1DC at 35.05%.
			c.Together = Groups{{{Kind: arith.Mul, Digits: 2}, {Kind: arith.Composite, Digits: 1}}}
			// The clock ends the run before the steps do, so the rate decays over the last
			// fifth of the two hours (Config.DecayFraction): held at its peak to the end, the
			// last checkpoint's 2D+ was 93.3% where the run's best had 96.6%. The steps bound
			// only a run on a far faster machine: two hours on this one's two cores are about
			// 50,000 steps (one core, beside another run, 27,000), and at 40,000 the run would
			// decay and stop 20 minutes early.
			c.Steps, c.Minutes = 100000, 120
			c.EvalEvery, c.EvalSize = 100, 300
			c.SaveEvery = 250
		},
	},
}

// Preset returns the named preset's configuration; PresetNames lists the names.
func Preset(name string) (Config, error) {
	p, ok := presets[name]
	if !ok {
		return Config{}, fmt.Errorf("trainer: unknown preset %q (want %s)", name, strings.Join(PresetNames(), ", "))
	}
	c := Default()
	p.apply(&c)
	return c, nil
}

// PresetNames returns the presets' names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PresetDoc returns one line describing the named preset ("" if there is none).
func PresetDoc(name string) string { return presets[name].doc }
