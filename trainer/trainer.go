// Package trainer is mathzero's GRPO loop: sample a group of answers per problem, score them with
// automated checkers, turn scores into group-relative advantages, and take a clipped policy-gradient
// step. No loss anywhere is computed against target answer tokens: the only signal is the reward.
//
// How it departs from the GRPO of DeepSeekMath (grpo.go writes the objective out):
//
//  1. Per-token process credit by default. Rewards with a token form (the built-in partial checker
//     judges each answer digit) give every token its own advantage, normalised per answer position
//     across the group, instead of one advantage per completion; without it a policy from random
//     weights gets almost no signal (see the README's recipe notes).
//  2. No return-to-go: a token's process score is not summed with later tokens' scores, because our
//     checkers score each token on its own.
//  3. The KL anchor is to the frozen initial (random) policy, which makes it an exploration control
//     (it keeps the policy from collapsing to one answer per problem) rather than a tether to a
//     pretrained model.
//  4. Loss normalisation defaults to per token (DAPO) rather than per sequence; both, and Dr. GRPO's
//     constant, are options (Config.Norm).
//  5. μ defaults to 1: one pass per batch, so the ratio is 1 and clipping only matters for μ > 1.
//  6. Operands are zero-padded and answers written least-significant digit first (env/arith), so
//     each answer digit is a local function of aligned input digits.
//
// One step (Trainer.Step) reads top to bottom: problems, rollouts, rewards, advantages, forward and
// backward through the gorgonia graph, AdamW, stats.
package trainer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	G "gorgonia.org/gorgonia"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/reward"
	"mathzero/tutor"
)

// Trainer holds one run's policy, optimiser, random sources and compiled graph.
type Trainer struct {
	cfg Config
	mix reward.Mix

	policy, ref         *model.Params // ref is nil when Config.Beta is 0
	sampler, refSampler *model.Sampler
	// rollParams is the FP8-rounded copy of the policy that samples rollouts when
	// Config.RolloutPrecision is FP8 (nil otherwise); rollSampler samples rollouts either way.
	rollParams  *model.Params
	rollSampler *model.Sampler
	opt         *adamW

	// Derived once from the config.
	batch   int // Prompts·G completions a step
	seqLen  int // positions per sequence in the graph: longest prompt + longest answer - 1
	maxNew  int // longest answer any skill allows: the rollout cap and Dr. GRPO's L
	graph   *stepGraph
	heldOut map[arith.Skill][]arith.Problem

	// Two independent streams, so changing how many tokens are sampled never changes the problems.
	problemSrc, sampleSrc *rand.PCG
	problemRNG, sampleRNG *rand.Rand

	step       int
	sequences  int     // completions sampled so far
	budgetUsed float64 // fraction of Config.Minutes spent, set by Run before each step (0 outside it)
	stepTokens int     // answer tokens sampled in the step in flight

	// spentBefore is the minutes of training before the current Run call began (from the
	// checkpoint, for a resumed run), and runStart when that call began (zero outside Run).
	spentBefore float64
	runStart    time.Time

	// initFrom is the checkpoint InitFrom started the run from (absolute), kept in every
	// checkpoint: a resumed run's reference policy is read again from it.
	initFrom string

	// β_u now: Config.UniformKL, raised while entropy is under Config.TargetEntropy.
	uniformKL float64

	// tutor picks each problem's skill and curriculum level (Config.Tutor, Config.Curriculum).
	tutor tutor.Tutor
}

// stepGraph is the policy graph of one batch shape with the GRPO loss on top, compiled once.
type stepGraph struct {
	model            *model.Graph
	obj              *objective
	vm               G.VM
	logpVal, entrVal G.Value
	grads            [][]float32
}

// New builds a trainer from random weights.
func New(cfg Config) (*Trainer, error) {
	return NewWith(cfg, Options{})
}

// NewWithRewards builds a trainer from random weights with an already-composed reward mix (for
// rewards registered outside the built-ins); the run's Config.Rewards becomes mix.String().
func NewWithRewards(cfg Config, mix reward.Mix) (*Trainer, error) {
	if len(mix) == 0 {
		return nil, fmt.Errorf("trainer: empty reward mix")
	}
	return NewWith(cfg, Options{Rewards: mix})
}

// Options are the parts of a run a caller may supply as Go values rather than by name in Config.
type Options struct {
	// Rewards, when not nil, is the reward composition (for rewards registered outside the
	// built-ins), and the run's Config.Rewards becomes its String(), so that config.json and
	// every checkpoint record what the run trains on. Nil parses Config.Rewards.
	Rewards reward.Mix
	// Tutor, when not nil, picks the problems instead of the one Config.Tutor names: any type
	// with the tutor.Tutor methods. It must be fresh (nothing observed yet) and teach
	// Config.Skills; its JSON state goes into every checkpoint.
	Tutor tutor.Tutor
}

// NewWith builds a trainer from random weights with the given options.
func NewWith(cfg Config, o Options) (*Trainer, error) {
	mix := o.Rewards
	if mix == nil {
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		var err error
		if mix, err = reward.Builtins().ParseSpec(cfg.Rewards); err != nil {
			return nil, fmt.Errorf("trainer: rewards: %w", err)
		}
	}
	if err := cfg.validateFields(); err != nil {
		return nil, err
	}
	if len(mix) == 0 {
		return nil, fmt.Errorf("trainer: empty reward mix")
	}
	if o.Rewards != nil {
		cfg.Rewards = mix.String()
	}
	t := &Trainer{cfg: cfg, mix: mix, batch: cfg.Prompts * cfg.G}
	// Weights from stream 0 of the seed, problems from 1, sampling from 2.
	policy, err := model.New(cfg.Model, rand.New(rand.NewPCG(cfg.Seed, 0)))
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	t.problemSrc, t.sampleSrc = rand.NewPCG(cfg.Seed, 1), rand.NewPCG(cfg.Seed, 2)
	if t.tutor = o.Tutor; t.tutor == nil {
		if t.tutor, err = cfg.newTutor(); err != nil {
			return nil, fmt.Errorf("trainer: %w", err)
		}
	}
	t.uniformKL = cfg.UniformKL
	t.problemRNG, t.sampleRNG = rand.New(t.problemSrc), rand.New(t.sampleSrc)
	if err := t.setPolicy(policy); err != nil {
		return nil, err
	}
	return t, nil
}

// setPolicy installs the weights and everything derived from them.
func (t *Trainer) setPolicy(p *model.Params) error {
	cfg := t.cfg
	t.policy = p
	t.sampler = model.NewSampler(p)
	t.rollSampler = t.sampler
	if cfg.RolloutPrecision == FP8 {
		t.rollParams = p.Clone()
		t.rollSampler = model.NewSampler(t.rollParams)
	}
	if cfg.Beta > 0 {
		t.ref = p.Clone()
		t.refSampler = model.NewSampler(t.ref)
	}
	t.opt = newAdamW(p, cfg.Beta1, cfg.Beta2, cfg.AdamEps, cfg.WeightDecay)
	t.maxNew, t.seqLen = cfg.shapes()
	t.heldOut = make(map[arith.Skill][]arith.Problem)
	for _, s := range cfg.Skills {
		t.heldOut[s] = arith.HeldOutSet(s, cfg.EvalSize, cfg.Seed)
	}
	g, err := t.buildGraph()
	if err != nil {
		return err
	}
	t.graph = g
	return nil
}

func (t *Trainer) buildGraph() (*stepGraph, error) {
	mg, err := model.NewGraph(t.policy, t.batch, t.seqLen, t.cfg.Temperature)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	obj, err := newObjective(mg.Logp, mg.Entropy, mg.MeanLogp, t.batch*t.seqLen, t.objectiveParams())
	if err != nil {
		return nil, err
	}
	sg := &stepGraph{model: mg, obj: obj}
	G.Read(mg.Logp, &sg.logpVal)
	G.Read(mg.Entropy, &sg.entrVal)
	if _, err := G.Grad(obj.loss, mg.Weights...); err != nil {
		return nil, fmt.Errorf("trainer: differentiate GRPO loss: %w", err)
	}
	sg.vm = G.NewTapeMachine(mg.G, G.BindDualValues(mg.Weights...))
	for _, w := range t.policy.Tensors {
		sg.grads = append(sg.grads, make([]float32, len(w.Data)))
	}
	return sg, nil
}

func (t *Trainer) objectiveParams() objectiveParams {
	c := t.cfg
	return objectiveParams{eps: c.Eps, epsHigh: c.EpsHigh, beta: c.Beta, uniformKL: c.UniformKL,
		entropyCoef: c.EntropyCoef, vocab: c.Model.Vocab}
}

// Config returns the run's configuration.
func (t *Trainer) Config() Config { return t.cfg }

// Policy returns the live policy weights (updated in place by every step).
func (t *Trainer) Policy() *model.Params { return t.policy }

// StepCount returns the number of completed steps.
func (t *Trainer) StepCount() int { return t.step }

// group is one problem and its G scored completions.
type group struct {
	lesson  tutor.Lesson
	problem arith.Problem
	prompt  []int
	samples []model.Sample
	total   []float64   // R_i: weighted total reward
	outcome []float64   // R^out_i under process credit, R_i under outcome credit
	parts   [][]float64 // raw score of each reward component
	partOK  [][]bool
	tokens  [][]float64 // S_{i,t}, nil without process credit
	correct []bool
	adv     [][]float64
}

// Step runs one GRPO step and returns its statistics.
func (t *Trainer) Step() (Stats, error) {
	cfg := t.cfg
	start := time.Now()

	// 1-4. Problems, rollouts, rewards, advantages. A failed step (a reward that panicked, say)
	// leaves the random streams and counters as they were, so a checkpoint saved after it resumes
	// exactly at this step.
	snap, err := t.snapshot()
	if err != nil {
		return Stats{}, err
	}
	t.stepTokens = 0
	groups, drawn, in, zeroStd, rolloutSecs, err := t.collect()
	if err != nil {
		if rerr := t.restore(snap); rerr != nil {
			return Stats{}, errors.Join(err, rerr)
		}
		return Stats{}, err
	}

	// 5. Forward, backward and AdamW, μ times over the same rollouts.
	updateStart := time.Now()
	lr := cfg.lrAt(t.step, t.budgetUsed)
	loss, gradNorm, err := t.update(in, lr)
	if err != nil {
		return Stats{}, err
	}
	t.step++

	// 6. Stats (of the groups as drawn, before dynamic sampling swapped any out), and what the
	// tutor makes of them.
	st := t.stats(drawn, in)
	st.UniformKL = t.uniformKL
	t.tutor.Observe(outcomes(drawn))
	st.Frontier = tutor.Frontier(t.tutor.Report())
	t.steerEntropy(st.Entropy)
	st.Loss, st.GradNorm, st.LR = loss, gradNorm, lr
	st.LoadImbalance = imbalance(in.expertLoad)
	if t.rollParams != nil && in.answerTokens > 0 {
		st.RolloutKL = in.rolloutKL / float64(in.answerTokens)
		st.ISTruncated = float64(in.truncated) / float64(in.answerTokens)
	}
	st.FracZeroStd = zeroStd
	st.RolloutSeconds = rolloutSecs
	st.Tokens = t.stepTokens
	st.UpdateSeconds = time.Since(updateStart).Seconds()
	st.StepSeconds = time.Since(start).Seconds()
	if st.StepSeconds > 0 {
		st.TokensPerSec = float64(t.stepTokens) / st.StepSeconds
	}
	if cfg.SampleEvery > 0 && t.step%cfg.SampleEvery == 0 {
		st.Samples = t.samplesOf(groups, 2, 4)
	}
	return st, nil
}

// collect draws a step's problems, samples and scores their groups, and lays out the batch with
// its advantages. Dynamic sampling swaps out groups that carry no signal.
func (t *Trainer) collect() (groups, drawn []*group, in *batchInputs, zeroStd, rolloutSecs float64, err error) {
	cfg := t.cfg
	// 1-3. Problems, rollouts, rewards. Dynamic sampling swaps out groups that carry no signal.
	groups, rolloutSecs, err = t.rollouts(cfg.Prompts)
	if err != nil {
		return nil, nil, nil, 0, 0, err
	}
	zeroStd = countZeroStd(groups)
	drawn = groups
	if cfg.DynamicSampling {
		for round := 0; round < 3; round++ {
			var keep []*group
			for _, g := range groups {
				if hasSignal(g) {
					keep = append(keep, g)
				}
			}
			if len(keep) == len(groups) {
				break
			}
			more, secs, err := t.rollouts(len(groups) - len(keep))
			if err != nil {
				return nil, nil, nil, 0, 0, err
			}
			rolloutSecs += secs
			groups = append(keep, more...)
		}
	}

	// 4. Advantages.
	for _, g := range groups {
		lens := make([]int, len(g.samples))
		for i, s := range g.samples {
			lens[i] = len(s.Tokens)
		}
		g.adv = groupAdvantages(g.outcome, g.tokens, lens, cfg.ScaleStd)
	}

	in, err = t.batchInputs(groups)
	if err != nil {
		return nil, nil, nil, 0, 0, err
	}
	return groups, drawn, in, zeroStd, rolloutSecs, nil
}

// stepSnapshot is the state a step changes before its update: the random streams and counters.
type stepSnapshot struct {
	problem, sample []byte
	sequences       int
}

func (t *Trainer) snapshot() (stepSnapshot, error) {
	p, err := t.problemSrc.MarshalBinary()
	if err != nil {
		return stepSnapshot{}, fmt.Errorf("trainer: %w", err)
	}
	q, err := t.sampleSrc.MarshalBinary()
	if err != nil {
		return stepSnapshot{}, fmt.Errorf("trainer: %w", err)
	}
	return stepSnapshot{problem: p, sample: q, sequences: t.sequences}, nil
}

func (t *Trainer) restore(s stepSnapshot) error {
	if err := t.problemSrc.UnmarshalBinary(s.problem); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	if err := t.sampleSrc.UnmarshalBinary(s.sample); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	t.sequences = s.sequences
	return nil
}

// imbalance is the most loaded expert's load over the mean load, in the worst layer (1 is perfect
// balance); 0 for a dense policy.
func imbalance(load [][]int) float64 {
	worst := 0.0
	for _, layer := range load {
		total, top := 0, 0
		for _, n := range layer {
			total += n
			top = max(top, n)
		}
		if total > 0 {
			worst = math.Max(worst, float64(top)*float64(len(layer))/float64(total))
		}
	}
	return worst
}

// outcomes is how each group went, for the tutor.
func outcomes(groups []*group) []tutor.Outcome {
	out := make([]tutor.Outcome, len(groups))
	for i, g := range groups {
		o := tutor.Outcome{Lesson: g.lesson, Completions: len(g.samples), Signal: hasSignal(g)}
		for _, c := range g.correct {
			if c {
				o.Correct++
			}
		}
		out[i] = o
	}
	return out
}

// steerEntropy moves β_u toward keeping the answer tokens' mean entropy at Config.TargetEntropy:
// up 5% a step while the entropy is below it, down 5% (never under Config.UniformKL) while above.
// Greedy answers do not depend on it; it only keeps sampled groups varied enough to learn from.
func (t *Trainer) steerEntropy(entropy float64) {
	if t.cfg.TargetEntropy <= 0 || math.IsNaN(entropy) {
		return
	}
	if entropy < t.cfg.TargetEntropy {
		t.uniformKL = math.Min(t.uniformKL*1.05, maxUniformKL)
	} else {
		t.uniformKL = math.Max(t.uniformKL/1.05, t.cfg.UniformKL)
	}
}

// maxUniformKL caps β_u: past it the anchor would outweigh the unit-scale advantages.
const maxUniformKL = 1.0

// update runs forward, backward and AdamW μ times over one batch of rollouts, and returns the
// loss and the gradient norm (before clipping) of the last pass.
func (t *Trainer) update(in *batchInputs, lr float64) (loss, gradNorm float64, err error) {
	sg := t.graph
	for pass := 0; pass < t.cfg.Mu; pass++ {
		if err := sg.model.SetInputs(in.ids, in.targets); err != nil {
			return 0, 0, fmt.Errorf("trainer: step %d: %w", t.step+1, err)
		}
		if err := sg.obj.set(in.adv, in.oldLogp, in.refLogp, in.weight, t.uniformKL); err != nil {
			return 0, 0, err
		}
		if err := sg.vm.RunAll(); err != nil {
			return 0, 0, fmt.Errorf("trainer: step %d: forward/backward: %w", t.step+1, err)
		}
		loss = sg.obj.Loss()
		if load := sg.model.ExpertLoad(); load != nil {
			in.expertLoad = load
		}
		if err := sg.model.Grads(sg.grads); err != nil {
			return 0, 0, fmt.Errorf("trainer: step %d: %w", t.step+1, err)
		}
		// gorgonia adds each run's gradients into the weights' buffers.
		sg.model.ZeroGrads()
		gradNorm = clipGlobalNorm(sg.grads, t.cfg.GradClip)
		if math.IsNaN(gradNorm) || math.IsInf(gradNorm, 0) || math.IsNaN(loss) {
			sg.vm.Reset()
			return 0, 0, fmt.Errorf("trainer: step %d: non-finite loss %v or gradient norm %v", t.step+1, loss, gradNorm)
		}
		if pass == 0 {
			// Diagnostics are of the policy that sampled the batch.
			in.diag = t.diagnostics(in, sg)
		}
		t.opt.step(t.policy.Tensors, sg.grads, lr)
		sg.vm.Reset()
	}
	if in.expertLoad != nil {
		// The selection bias is not trained by gradient: it follows the load (model.Params.UpdateRouterBias).
		if err := t.policy.UpdateRouterBias(in.expertLoad, t.cfg.RouterBiasRate); err != nil {
			return 0, 0, fmt.Errorf("trainer: step %d: %w", t.step+1, err)
		}
	}
	return loss, gradNorm, nil
}

// rollouts draws n problems and samples and scores G completions of each.
func (t *Trainer) rollouts(n int) ([]*group, float64, error) {
	cfg := t.cfg
	groups := make([]*group, n)
	prompts := make([][]int, 0, n*cfg.G)
	for i, l := range t.tutor.Next(n, t.problemRNG) {
		p := cfg.Pose(arith.GenerateTrainAt(l.Skill, l.Level, t.problemRNG))
		groups[i] = &group{lesson: l, problem: p, prompt: arith.IDs(cfg.Prompt(p))}
		for range cfg.G {
			prompts = append(prompts, groups[i].prompt)
		}
	}
	if t.rollParams != nil {
		if err := roundFP8(t.rollParams, t.policy, cfg.fp8Block()); err != nil {
			return nil, 0, err
		}
	}
	start := time.Now()
	samples, err := t.rollSampler.Generate(prompts, t.maxNew, cfg.Temperature, int(arith.End), t.sampleRNG)
	if err != nil {
		return nil, 0, fmt.Errorf("trainer: rollout: %w", err)
	}
	secs := time.Since(start).Seconds()
	t.sequences += len(samples)
	for _, s := range samples {
		t.stepTokens += len(s.Tokens)
	}
	for i, g := range groups {
		g.samples = samples[i*cfg.G : (i+1)*cfg.G]
		if err := t.score(g); err != nil {
			return nil, 0, err
		}
	}
	return groups, secs, nil
}

// score fills a group's rewards from the checkers. A reward that panics or returns NaN or an
// infinity stops the step with a *RewardError (see safeScore) before any score is used.
func (t *Trainer) score(g *group) error {
	process := t.cfg.Credit == ProcessCredit && t.mix.HasTokens()
	for _, s := range g.samples {
		c := reward.Completion{Tokens: arith.FromIDs(s.Tokens)}
		total, parts, ok, tokens, err := safeScore(t.mix, g.problem, c, process)
		if err != nil {
			return err
		}
		g.total = append(g.total, total)
		g.parts = append(g.parts, parts)
		g.partOK = append(g.partOK, ok)
		v, err := arith.DecodeAnswer(g.problem.FinalAnswer(c.Tokens))
		g.correct = append(g.correct, err == nil && v == g.problem.Answer)
		if !process {
			g.outcome = append(g.outcome, total)
			continue
		}
		out := 0.0
		for k, term := range t.mix {
			if term.Reward.Tokens == nil && ok[k] {
				out += term.Weight * parts[k]
			}
		}
		g.outcome = append(g.outcome, out)
		g.tokens = append(g.tokens, tokens)
	}
	return nil
}

// hasSignal reports whether any advantage of the group can be non-zero: some reward differs
// between its completions, in total or at some answer position.
func hasSignal(g *group) bool {
	if _, std := meanStd(g.total); std > 0 {
		return true
	}
	if g.tokens == nil {
		return false
	}
	for i := 1; i < len(g.samples); i++ {
		if len(g.samples[i].Tokens) != len(g.samples[0].Tokens) {
			return true
		}
		for k := range g.tokens[i] {
			if g.tokens[i][k] != g.tokens[0][k] {
				return true
			}
		}
	}
	return false
}

// countZeroStd is the fraction of groups whose total rewards are all equal (TRL's frac_reward_zero_std).
func countZeroStd(groups []*group) float64 {
	n := 0
	for _, g := range groups {
		if _, std := meanStd(g.total); std == 0 {
			n++
		}
	}
	return float64(n) / float64(len(groups))
}

// batchInputs lays the groups out as the graph's batch: row b holds prompt and completion, and the
// per-position vectors are non-zero only where position j predicts an answer token (j+1 ≥ len(prompt)).
type batchInputs struct {
	ids, targets                  [][]int
	adv, oldLogp, refLogp, weight []float32
	answerTokens, answerSeqs      int
	diag                          diagnostics
	// With FP8 rollouts: the summed k3 estimate of KL(π_fp8 || π_old) over the answer tokens,
	// and how many tokens' importance weights were truncated.
	rolloutKL  float64
	truncated  int
	expertLoad [][]int // token-slots per layer and routed expert, last pass; nil when dense
}

func (t *Trainer) batchInputs(groups []*group) (*batchInputs, error) {
	T := t.seqLen
	n := t.batch * T
	in := &batchInputs{adv: make([]float32, n), oldLogp: make([]float32, n), refLogp: make([]float32, n), weight: make([]float32, n)}
	var lens []int
	var prompts, completions [][]int
	for _, g := range groups {
		for _, s := range g.samples {
			lens = append(lens, len(s.Tokens))
			prompts = append(prompts, g.prompt)
			completions = append(completions, s.Tokens)
		}
	}
	// With FP8 rollouts the sampler recorded the FP8 copy's log-probs. The FP32 policy's own are
	// π_old, so the clipped ratio measures only this update, and each token's advantage is
	// weighted by min(π_old/π_fp8, cap): the cap bounds a token the copy sampled where the
	// policy is far likelier (ratios of 110 were measured on a policy trained without this).
	var policyLogp [][]float32
	if t.rollParams != nil {
		var err error
		if policyLogp, err = t.sampler.LogProbs(prompts, completions, t.cfg.Temperature); err != nil {
			return nil, fmt.Errorf("trainer: policy log-probs of FP8 rollouts: %w", err)
		}
	}
	var refLogp [][]float32
	if t.refSampler != nil {
		var err error
		if refLogp, err = t.refSampler.LogProbs(prompts, completions, t.cfg.Temperature); err != nil {
			return nil, fmt.Errorf("trainer: reference log-probs: %w", err)
		}
	}
	weights := lossWeights(t.cfg.Norm, lens, t.maxNew)
	b := 0
	for _, g := range groups {
		for i, s := range g.samples {
			seq := append(append(make([]int, 0, T+1), g.prompt...), s.Tokens...)
			ids, targets := make([]int, T), make([]int, T)
			for j := 0; j < T; j++ {
				ids[j], targets[j] = int(arith.Pad), int(arith.Pad)
				if j < len(seq) {
					ids[j] = seq[j]
				}
				if j+1 < len(seq) {
					targets[j] = seq[j+1]
				}
			}
			in.ids, in.targets = append(in.ids, ids), append(in.targets, targets)
			for k := range s.Tokens {
				j := b*T + len(g.prompt) - 1 + k
				adv, old := g.adv[i][k], s.Logp[k]
				if policyLogp != nil {
					old = policyLogp[b][k]
					w := math.Exp(float64(old) - float64(s.Logp[k])) // π_old / π_fp8
					in.rolloutKL += w - 1 - math.Log(w)              // k3 of KL(π_fp8 || π_old)
					if w > t.cfg.RolloutISCap {
						w = t.cfg.RolloutISCap
						in.truncated++
					}
					adv *= w
				}
				in.adv[j] = float32(adv)
				in.oldLogp[j] = old
				if refLogp != nil {
					in.refLogp[j] = refLogp[b][k]
				} else {
					in.refLogp[j] = old
				}
				in.weight[j] = float32(weights[b][k])
			}
			in.answerTokens += len(s.Tokens)
			b++
		}
	}
	in.answerSeqs = b
	if b != t.batch {
		return nil, fmt.Errorf("trainer: batch has %d completions, graph expects %d", b, t.batch)
	}
	return in, nil
}

// diagnostics of the policy that sampled the batch, from the graph's own log-probs and entropies.
type diagnostics struct {
	kl, clipFrac, entropy float64
}

func (t *Trainer) diagnostics(in *batchInputs, sg *stepGraph) diagnostics {
	logp, _ := sg.logpVal.Data().([]float32)
	entr, _ := sg.entrVal.Data().([]float32)
	n := len(in.weight)
	if len(logp) != n || len(entr) != n {
		return diagnostics{math.NaN(), math.NaN(), math.NaN()}
	}
	f := func(x []float32) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	}
	// The diagnostics leave out the uniform KL (meanLogp is not read back).
	p := t.objectiveParams()
	p.uniformKL = 0
	ts := referenceObjective(f(logp), f(entr), nil, f(in.oldLogp), f(in.refLogp), f(in.adv), f(in.weight), p)
	var e float64
	tokens := 0
	for k, w := range in.weight {
		if w != 0 {
			e += float64(entr[k])
			tokens++
		}
	}
	if tokens > 0 {
		e /= float64(tokens)
	}
	return diagnostics{kl: ts.kl, clipFrac: ts.clipFrac, entropy: e}
}
