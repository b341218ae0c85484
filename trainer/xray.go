package trainer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/reward"
	"mathzero/tutor"
)

// XRayReport is one training batch taken apart, the answer to "the loss is 0, is it training?": what
// was sampled, how it scored, which advantage each token got, and how much of the loss each token
// carries, under the run's loss normalisation and the two others. Nothing is updated.
type XRayReport struct {
	Config  Config    // the run's settings (Prompts is the number of groups X-rayed)
	Rewards []string  // the mix's component names, in order
	Weights []float64 // their weights
	Process bool      // process credit is on: advantages differ per token (see grpo.go)

	// MaxLogpDiff is max |log π_θ - log π_old| over the answer tokens, π_θ scored teacher-forced by
	// Sampler.LogProbs on the same weights, π_old recorded by Sampler.Generate while drawing (or,
	// under FP8 rollouts, scored by the policy as the step does). At μ = 1 (and on the first of μ
	// passes) the two are the same policy, so the ratio is 1 and this is float32 rounding.
	MaxLogpDiff float64
	Tokens      int     // answer tokens in the batch
	Loss        float64 // -J under Config.Norm: the loss the step would report
	Groups      []XRayGroup
	Norms       [3]XRayNorm // indexed by LossNorm: PerSequence (GRPO), PerToken (DAPO), Constant (Dr. GRPO)
}

// XRayGroup is one problem and its G completions.
type XRayGroup struct {
	Problem     arith.Problem
	Mean, Std   float64 // of the completions' total rewards R_i (population std, as the advantages)
	Completions []XRayCompletion
}

// XRayCompletion is one sampled completion with its scores and per-token view.
type XRayCompletion struct {
	Text    string    // as written, e.g. "28$" (digits least significant first)
	Parts   []float64 // each component's raw score, in XRayReport.Rewards order
	PartOK  []bool    // false where the component did not apply
	Total   float64   // R_i = Σ_k w_k·Parts[k] over the applicable components
	Correct bool      // the answer decodes to the true one
	Tokens  []XRayToken
}

// XRayToken is one answer token's share of the objective of grpo.go.
type XRayToken struct {
	Text string
	// Reward is what the group normalises at this position: R^out_i + S_{i,t} under process
	// credit, R_i under outcome credit.
	Reward float64
	Adv    float64 // Â_{i,t}
	// Logp is log π_θ (Sampler.LogProbs), OldLogp log π_old (the sampler's, as drawn), RefLogp log
	// π_ref (the frozen initial policy; OldLogp when Config.Beta is 0, as in the trainer).
	Logp, OldLogp, RefLogp float64
	// Entropy and MeanLogp ((1/V) Σ_v log π(v)) of the next-token distribution, for the entropy
	// bonus and the uniform KL; 0 where neither is on.
	Entropy, MeanLogp float64
	Ratio             float64 // ρ = exp(Logp - OldLogp)
	Clipped           bool    // min(ρÂ, clip(ρ)Â) took the clipped side
	Weight            float64 // w_{i,t} under Config.Norm
	Loss              float64 // -w·obj: this token's term of the loss under Config.Norm
	Share             float64 // |w·obj| / Σ|w·obj| over the batch, under Config.Norm
}

// XRayNorm is the same rollouts' loss under one normalisation.
type XRayNorm struct {
	Norm LossNorm
	Loss float64 // -J
	// PG is the policy-gradient part of Loss, -Σ w·min(ρÂ, clip(ρ)Â); Loss - PG is the KL and
	// entropy terms. With ratio 1 and advantages centred per group, PG is near 0 (exactly 0 under
	// PerToken, where every token weighs the same) although its gradient Σ w·Â·∇log π is not.
	PG  float64
	Top []XRayShare // the largest token shares, largest first (at most xrayTop)
}

// XRayShare locates one token's share of a loss: Groups[Group].Completions[Completion].Tokens[Token].
type XRayShare struct {
	Group, Completion, Token int
	Share                    float64
}

// xrayTop is how many token shares XRayNorm.Top keeps.
const xrayTop = 5

// XRay samples one batch of groups problems exactly as a training step of cfg would from params
// (problems from the top curriculum level, G completions each at Config.Temperature, scored by mix
// through the trainer's own guarded scoring, dynamic sampling if on, advantages by groupAdvantages,
// the batch laid out by batchInputs), and takes its objective apart token by token without updating
// anything. The seed plays Config.Seed's part for the problems (PCG stream 1) and the sampling
// (stream 2), so with seed = cfg.Seed, groups = cfg.Prompts, no curriculum and the initial weights it
// draws the run's first batch.
//
// The ratio is computed without the graph: log π_θ from Sampler.LogProbs on params, against the
// log-probs Sampler.Generate recorded while drawing. Each token's term is referenceObjective on that
// one token, so the terms sum to referenceObjective over the batch, which the trainer's tests hold
// the gorgonia loss to. The uniform-KL weight is Config.UniformKL: a run steered by TargetEntropy
// may have raised it since (its checkpoint keeps the current value), which changes Loss but not PG.
// With Config.Beta > 0 the reference is re-created from the seed, as New does; a run warm-started
// by InitFrom has the checkpoint it started from instead, so its RefLogp here are not its own.
func XRay(params *model.Params, cfg Config, mix reward.Mix, groups int, seed uint64) (*XRayReport, error) {
	if params == nil {
		return nil, errors.New("trainer: xray: no policy")
	}
	if groups < 1 {
		return nil, fmt.Errorf("trainer: xray: groups %d, want at least 1", groups)
	}
	if len(mix) == 0 {
		return nil, errors.New("trainer: xray: empty reward mix")
	}
	if err := cfg.validateFields(); err != nil {
		return nil, fmt.Errorf("trainer: xray: %w", err)
	}
	if params.Config != cfg.Model {
		return nil, fmt.Errorf("trainer: xray: policy shape %+v, config says %+v", params.Config, cfg.Model)
	}
	cfg.Prompts = groups

	// A trainer without graph or optimiser: enough to run collect, which is the training step's
	// steps 1-4 (problems, rollouts, rewards, advantages) and its batch layout.
	// Every skill equally often, at the top of its ladder.
	uniform, err := tutor.NewUniform(tutor.Options{Skills: cfg.Skills, Mastery: cfg.Mastery})
	if err != nil {
		return nil, fmt.Errorf("trainer: xray: %w", err)
	}
	t := &Trainer{cfg: cfg, mix: mix, batch: groups * cfg.G, policy: params, sampler: model.NewSampler(params),
		tutor: uniform, uniformKL: cfg.UniformKL}
	t.rollSampler = t.sampler
	if cfg.RolloutPrecision == FP8 {
		t.rollParams = params.Clone()
		t.rollSampler = model.NewSampler(t.rollParams)
	}
	t.problemSrc, t.sampleSrc = rand.NewPCG(seed, 1), rand.NewPCG(seed, 2)
	t.problemRNG, t.sampleRNG = rand.New(t.problemSrc), rand.New(t.sampleSrc)
	if cfg.Beta > 0 {
		// The reference is the initial policy, re-created from the run's seed as New does.
		ref, err := model.New(cfg.Model, rand.New(rand.NewPCG(cfg.Seed, 0)))
		if err != nil {
			return nil, fmt.Errorf("trainer: xray: %w", err)
		}
		t.ref, t.refSampler = ref, model.NewSampler(ref)
	}
	t.maxNew, t.seqLen = cfg.shapes()
	gs, _, in, _, _, err := t.collect()
	if err != nil {
		return nil, err
	}

	// log π_θ on the same weights, graph-free, and the next-token distributions where the
	// objective needs their entropy or mean log-prob.
	var prompts, completions [][]int
	var lens []int
	for _, g := range gs {
		for _, s := range g.samples {
			prompts, completions = append(prompts, g.prompt), append(completions, s.Tokens)
			lens = append(lens, len(s.Tokens))
		}
	}
	logp, err := t.sampler.LogProbs(prompts, completions, cfg.Temperature)
	if err != nil {
		return nil, fmt.Errorf("trainer: xray: log-probs: %w", err)
	}
	var dists [][][]float32
	if cfg.UniformKL > 0 || cfg.EntropyCoef > 0 {
		if dists, err = t.sampler.NextDistributions(prompts, completions, cfg.Temperature); err != nil {
			return nil, fmt.Errorf("trainer: xray: distributions: %w", err)
		}
	}

	r := &XRayReport{Config: cfg, Process: cfg.Credit == ProcessCredit && mix.HasTokens()}
	for _, term := range mix {
		r.Rewards, r.Weights = append(r.Rewards, term.Reward.Name), append(r.Weights, term.Weight)
	}
	p := t.objectiveParams()
	b := 0
	for _, g := range gs {
		xg := XRayGroup{Problem: g.problem}
		xg.Mean, xg.Std = meanStd(g.total)
		for i, s := range g.samples {
			c := XRayCompletion{Text: arith.Render(arith.FromIDs(s.Tokens)), Parts: g.parts[i], PartOK: g.partOK[i],
				Total: g.total[i], Correct: g.correct[i]}
			for k, tok := range s.Tokens {
				// The step's own inputs: under FP8 rollouts π_old is the policy's log-prob, not
				// the rounded copy's that drew the token, and the advantage carries the copy's
				// importance weight (batchInputs).
				j := b*t.seqLen + len(g.prompt) - 1 + k
				x := XRayToken{Text: arith.Render([]arith.Token{arith.Token(tok)}), Reward: g.outcome[i],
					Adv: float64(in.adv[j]), Logp: float64(logp[b][k]), OldLogp: float64(in.oldLogp[j]),
					RefLogp: float64(in.refLogp[j])}
				if g.tokens != nil {
					x.Reward += g.tokens[i][k]
				}
				if dists != nil {
					x.Entropy, x.MeanLogp = entropyMeanLogp(dists[b][k])
				}
				x.Ratio = math.Exp(x.Logp - x.OldLogp)
				r.MaxLogpDiff = max(r.MaxLogpDiff, math.Abs(x.Logp-x.OldLogp))
				c.Tokens = append(c.Tokens, x)
				r.Tokens++
			}
			xg.Completions = append(xg.Completions, c)
			b++
		}
		r.Groups = append(r.Groups, xg)
	}

	pg := p // the policy-gradient term alone
	pg.beta, pg.uniformKL, pg.entropyCoef = 0, 0, 0
	for _, norm := range []LossNorm{PerSequence, PerToken, Constant} {
		w := lossWeights(norm, lens, t.maxNew)
		xn := XRayNorm{Norm: norm}
		var all []XRayShare
		var sum float64
		b := 0
		for gi := range r.Groups {
			for ci := range r.Groups[gi].Completions {
				c := &r.Groups[gi].Completions[ci]
				for k := range c.Tokens {
					x := &c.Tokens[k]
					ts := x.term(w[b][k], p)
					xn.Loss += ts.loss
					xn.PG += x.term(w[b][k], pg).loss
					sum += math.Abs(ts.loss)
					all = append(all, XRayShare{Group: gi, Completion: ci, Token: k, Share: math.Abs(ts.loss)})
					if norm == cfg.Norm {
						x.Weight, x.Loss, x.Clipped = w[b][k], ts.loss, ts.clipFrac > 0
					}
				}
				b++
			}
		}
		for k := range all {
			if sum > 0 {
				all[k].Share /= sum
			} else {
				all[k].Share = 0
			}
			if norm == cfg.Norm {
				s := all[k]
				r.Groups[s.Group].Completions[s.Completion].Tokens[s.Token].Share = s.Share
			}
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Share > all[j].Share })
		xn.Top = all[:min(xrayTop, len(all))]
		r.Norms[norm] = xn
	}
	r.Loss = r.Norms[cfg.Norm].Loss
	return r, nil
}

// term is the token's term of the loss with loss weight w: referenceObjective on this one token.
func (x *XRayToken) term(w float64, p objectiveParams) tokenStats {
	one := func(v float64) []float64 { return []float64{v} }
	return referenceObjective(one(x.Logp), one(x.Entropy), one(x.MeanLogp), one(x.OldLogp), one(x.RefLogp),
		one(x.Adv), one(w), p)
}

// entropyMeanLogp returns -Σ_v π(v) log π(v) and (1/V) Σ_v log π(v) of one next-token distribution.
// A probability that underflowed float32 to 0 counts as the smallest float32, so the mean stays
// finite (the graph computes it from the logits and never sees the 0).
func entropyMeanLogp(dist []float32) (entropy, meanLogp float64) {
	floor := math.Log(math.SmallestNonzeroFloat32)
	for _, q := range dist {
		lq := floor
		if q > 0 {
			lq = math.Log(float64(q))
			entropy -= float64(q) * lq
		}
		meanLogp += lq
	}
	return entropy, meanLogp / float64(len(dist))
}
