package trainer

import (
	"fmt"
	"sort"
	"strings"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/tutor"
)

// Stats describes one step. It is written as one line of metrics.jsonl and passed to the run's
// report callback; fields without a value this step are omitted from the JSON.
type Stats struct {
	Step      int     `json:"step"`
	Sequences int     `json:"sequences"` // completions sampled since the run began
	Elapsed   float64 `json:"elapsed_s"` // seconds of training since the run began, resumes included

	Reward      float64            `json:"reward"`        // mean weighted total reward
	RewardStd   float64            `json:"reward_std"`    // mean within-group std of the total
	Rewards     map[string]float64 `json:"rewards"`       // mean of each component's raw score
	FracZeroStd float64            `json:"frac_zero_std"` // groups whose totals were all equal
	// FracNoSignal is the share of groups in which every advantage was zero (equal totals and,
	// under process credit, equal token scores): batch the tutor spent on nothing.
	FracNoSignal float64 `json:"frac_no_signal"`
	Accuracy     float64 `json:"accuracy"` // sampled completions exactly right
	Level        int     `json:"level"`    // lowest curriculum level practised this step (arith.Level)

	// Skills is each practised skill's share of this step, by name.
	Skills map[string]SkillStep `json:"skills,omitempty"`
	// Frontier names the skills the tutor counts as being learned, after this step.
	Frontier []string `json:"frontier,omitempty"`
	// Tutor is the tutor's record of every skill, on steps that measure held-out accuracy.
	Tutor []tutor.SkillReport `json:"tutor,omitempty"`

	// HeldOut is greedy accuracy on the fixed held-out problems, per skill, on steps that measure it.
	HeldOut map[string]float64 `json:"held_out,omitempty"`

	UniformKL float64 `json:"uniform_kl"` // β_u this step
	Loss      float64 `json:"loss"`
	KL        float64 `json:"kl"`        // k3 KL to the initial policy, per answer token
	ClipFrac  float64 `json:"clip_frac"` // answer tokens whose ratio was clipped
	Entropy   float64 `json:"entropy"`   // mean policy entropy at answer tokens (nats)
	GradNorm  float64 `json:"grad_norm"` // before clipping
	// LoadImbalance is the most loaded routed expert's share over the mean, in the worst layer
	// (1: balanced); absent for a dense policy.
	LoadImbalance float64 `json:"load_imbalance,omitempty"`
	// RolloutKL is the mean k3 estimate, per answer token, of KL(π_fp8 || π) between the FP8
	// copy that sampled and the policy, and ISTruncated the fraction of answer tokens whose
	// importance weight hit Config.RolloutISCap; both absent without FP8 rollouts.
	RolloutKL     float64 `json:"rollout_kl,omitempty"`
	ISTruncated   float64 `json:"is_truncated,omitempty"`
	LR            float64 `json:"lr"`
	CompletionLen float64 `json:"completion_len"` // mean answer tokens

	Tokens         int     `json:"tokens"`       // answer tokens sampled this step
	TokensPerSec   float64 `json:"tokens_per_s"` // answer tokens sampled per second of the step
	StepSeconds    float64 `json:"step_s"`
	RolloutSeconds float64 `json:"rollout_s"`
	UpdateSeconds  float64 `json:"update_s"`

	Samples []Sample `json:"samples,omitempty"`
}

// SkillStep is one skill's part of a step.
type SkillStep struct {
	Groups       int     `json:"groups"`
	Accuracy     float64 `json:"acc"`       // sampled completions exactly right
	FracNoSignal float64 `json:"no_signal"` // groups with no non-zero advantage
	Level        int     `json:"level"`     // curriculum level drawn at
}

// Sample is one scored completion, shown every Config.SampleEvery steps.
type Sample struct {
	Problem    string             `json:"problem"`
	Answer     int                `json:"answer"`
	Completion string             `json:"completion"`
	Rewards    map[string]float64 `json:"rewards"`
	Total      float64            `json:"total"`
	Advantage  []float64          `json:"advantage"` // per answer token
}

func (t *Trainer) stats(groups []*group, in *batchInputs) Stats {
	st := Stats{
		Step:      t.step,
		Sequences: t.sequences,
		Rewards:   make(map[string]float64),
		KL:        in.diag.kl,
		ClipFrac:  in.diag.clipFrac,
		Entropy:   in.diag.entropy,
	}
	sums := make([]float64, len(t.mix))
	counts := make([]int, len(t.mix))
	var n, correct, tokens, noSignal int
	st.Skills = make(map[string]SkillStep)
	for i, g := range groups {
		_, std := meanStd(g.total)
		st.RewardStd += std / float64(len(groups))
		name := g.lesson.Skill.String()
		sk := st.Skills[name]
		sk.Groups++
		sk.Level = int(g.lesson.Level)
		if i == 0 || int(g.lesson.Level) < st.Level {
			st.Level = int(g.lesson.Level)
		}
		if !hasSignal(g) {
			sk.FracNoSignal++
			noSignal++
		}
		for i := range g.samples {
			st.Reward += g.total[i]
			if g.correct[i] {
				correct++
				sk.Accuracy++
			}
			tokens += len(g.samples[i].Tokens)
			for k := range t.mix {
				if g.partOK[i][k] {
					sums[k] += g.parts[i][k]
					counts[k]++
				}
			}
			n++
		}
		st.Skills[name] = sk
	}
	for name, sk := range st.Skills {
		sk.Accuracy /= float64(sk.Groups * t.cfg.G)
		sk.FracNoSignal /= float64(sk.Groups)
		st.Skills[name] = sk
	}
	st.FracNoSignal = float64(noSignal) / float64(len(groups))
	st.Reward /= float64(n)
	st.Accuracy = float64(correct) / float64(n)
	st.CompletionLen = float64(tokens) / float64(n)
	for k, term := range t.mix {
		if counts[k] > 0 {
			st.Rewards[term.Reward.Name] = sums[k] / float64(counts[k])
		}
	}
	return st
}

// samplesOf returns the first perGroup completions of the first nGroups groups, scored.
func (t *Trainer) samplesOf(groups []*group, nGroups, perGroup int) []Sample {
	var out []Sample
	for _, g := range groups[:min(nGroups, len(groups))] {
		for i := range g.samples[:min(perGroup, len(g.samples))] {
			s := Sample{
				Problem:    g.problem.String(),
				Answer:     g.problem.Answer,
				Completion: arith.Render(arith.FromIDs(g.samples[i].Tokens)),
				Total:      g.total[i],
				Advantage:  g.adv[i],
				Rewards:    make(map[string]float64),
			}
			for k, term := range t.mix {
				if g.partOK[i][k] {
					s.Rewards[term.Reward.Name] = g.parts[i][k]
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// Mistake is one wrong greedy answer.
type Mistake struct {
	Problem string `json:"problem"`
	Want    int    `json:"want"`
	Got     string `json:"got"` // the completion as written (LSB-first digits, see env/arith)
}

// SkillAccuracy is greedy accuracy on one skill's held-out problems.
type SkillAccuracy struct {
	Skill    arith.Skill
	N        int
	Correct  int
	Mistakes []Mistake // the first few
}

// Accuracy returns Correct/N.
func (a SkillAccuracy) Accuracy() float64 {
	if a.N == 0 {
		return 0
	}
	return float64(a.Correct) / float64(a.N)
}

// Evaluate measures greedy accuracy on the held-out problems of every skill of the run (including
// skills the tutor has not unlocked: what a policy can do untaught is worth seeing).
func (t *Trainer) Evaluate() ([]SkillAccuracy, error) {
	var out []SkillAccuracy
	for _, s := range t.cfg.Skills {
		acc, err := Greedy(t.sampler, t.cfg, t.heldOut[s], 5)
		if err != nil {
			return nil, err
		}
		acc.Skill = s
		out = append(out, acc)
	}
	return out, nil
}

// Greedy decodes each problem's prompt, as cfg writes it (Config.Prompt), greedily with the
// sampler, up to the run's answer cap for its skill (Config.SkillShape), and checks the answer's
// value exactly. It keeps the first keepMistakes wrong answers.
func Greedy(s *model.Sampler, cfg Config, problems []arith.Problem, keepMistakes int) (SkillAccuracy, error) {
	var acc SkillAccuracy
	const chunk = 512 // bounds the sampler's KV cache
	for lo := 0; lo < len(problems); lo += chunk {
		ps := problems[lo:min(lo+chunk, len(problems))]
		prompts := make([][]int, len(ps))
		posed := make([]arith.Problem, len(ps))
		maxNew := 0
		for i, p := range ps {
			posed[i] = cfg.Pose(p)
			prompts[i] = arith.IDs(arith.Encode(posed[i]))
			_, a := cfg.SkillShape(p.Skill)
			maxNew = max(maxNew, a)
		}
		samples, err := s.Generate(prompts, maxNew, 0, int(arith.End), nil)
		if err != nil {
			return acc, fmt.Errorf("trainer: greedy decode: %w", err)
		}
		for i, p := range ps {
			toks := arith.FromIDs(samples[i].Tokens)
			v, err := arith.DecodeAnswer(posed[i].FinalAnswer(toks))
			acc.N++
			if err == nil && v == p.Answer {
				acc.Correct++
			} else if len(acc.Mistakes) < keepMistakes {
				acc.Mistakes = append(acc.Mistakes, Mistake{Problem: p.String(), Want: p.Answer, Got: arith.Render(toks)})
			}
		}
	}
	return acc, nil
}

// Line is the one greppable line a step prints: "step 120 reward 0.812 acc 0.41 ...".
func (s Stats) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "step %d seqs %d level %d reward %.3f acc %.3f", s.Step, s.Sequences, s.Level, s.Reward, s.Accuracy)
	names := make([]string, 0, len(s.Rewards))
	for k := range s.Rewards {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, " %s %.3f", k, s.Rewards[k])
	}
	if s.LoadImbalance > 0 {
		fmt.Fprintf(&b, " load_imbalance %.2f", s.LoadImbalance)
	}
	if s.RolloutKL > 0 || s.ISTruncated > 0 {
		fmt.Fprintf(&b, " rollout_kl %.4f is_truncated %.4f", s.RolloutKL, s.ISTruncated)
	}
	fmt.Fprintf(&b, " zero_std %.2f no_signal %.2f entropy %.3f kl %.4f clip %.3f len %.2f tok/s %.0f step_s %.2f",
		s.FracZeroStd, s.FracNoSignal, s.Entropy, s.KL, s.ClipFrac, s.CompletionLen, s.TokensPerSec, s.StepSeconds)
	if len(s.Frontier) > 0 {
		fmt.Fprintf(&b, " frontier %s", strings.Join(s.Frontier, ","))
	}
	if len(s.HeldOut) > 0 {
		skills := make([]string, 0, len(s.HeldOut))
		for k := range s.HeldOut {
			skills = append(skills, k)
		}
		sort.Strings(skills)
		for _, k := range skills {
			fmt.Fprintf(&b, " heldout_%s %.3f", k, s.HeldOut[k])
		}
	}
	return b.String()
}
