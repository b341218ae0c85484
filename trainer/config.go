package trainer

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/reward"
	"mathzero/tutor"
)

// Config is everything that defines a run. Its JSON form is written to the run folder and into every
// checkpoint, so a checkpoint alone says how it was made. Default returns the documented defaults;
// every field's comment gives its default in brackets.
type Config struct {
	// Model is the policy's shape [model.DefaultConfig()].
	Model model.Config `json:"model"`
	// Skills are the problem kinds practised, easiest first (the tutor's prerequisite order) [add2].
	Skills Skills `json:"skills"`
	// Width poses every addition and subtraction of at most this many digits at this width
	// (arith.Problem.AtWidth): operands zero-padded to Width digits, so that all widths share
	// positions and what is learnt about a column carries over between widths, and answers of
	// exactly Width+1 digits, so that no answer has to foresee where it stops. The adaptive tutor
	// then teaches the widest of them first and the narrower ones on it (tutor.Prerequisites).
	// Products whose answers fit in Width+1 digits are posed the same way, so that their digits
	// sit where the sums' do (arith.Skill.PaddedAt); the composite and digit sums keep their
	// prompts and are answered in a fixed number of digits too (arith.Skill.AnswerDigits). 0
	// writes each skill at its own width and length [0].
	Width int `json:"width"`
	// Columns, when positive, poses every addition and subtraction in the column layout at this
	// width (arith.EncodeColumns, arith.Expected): operands least significant digit first, both
	// padded to Columns digits, and answers of exactly Columns+1 digits. Every column is then the
	// same computation at the same relative offsets, which a policy with rotary positions
	// (model.Config.RoPE) can carry from narrow numbers to wide ones. It must be at least the
	// widest addition or subtraction skill, and excludes Width; 0 keeps the natural layout [0].
	Columns int `json:"columns"`
	// Work has the policy write its working before the answer where a skill has one
	// (arith.Problem.Worked): the four one-digit products of mul2, the first result of comp1,
	// then '=', then the answer at Width. With the "partial" reward each right token of the
	// working earns credit, a process reward on steps the checker verifies. It needs Width
	// [false].
	Work bool `json:"work,omitempty"`
	// Tutor chooses each problem's skill: adaptive (package tutor's Adaptive: prerequisites,
	// informative groups first, review of mastered skills) or uniform [adaptive].
	Tutor TutorKind `json:"tutor"`
	// Mastery is the held-out greedy accuracy at which a skill counts as mastered, unlocking the
	// skills built on it [0.95].
	Mastery float64 `json:"mastery"`
	// Review is the share of each step the adaptive tutor spends on mastered skills while others
	// are still being learned [0.2].
	Review float64 `json:"review"`
	// Frontier, when positive, is the most skills the adaptive tutor unlocks into learning at
	// once (tutor.Options.Frontier; demoted skills count but are never held back, a Together
	// group counts once); 0 unlocks every skill whose prerequisites are mastered [0].
	Frontier int `json:"frontier"`
	// Together lists groups of skills the adaptive tutor unlocks side by side, each group taking
	// one place on the frontier (tutor.Options.Together), as "mul2+comp1" [none].
	Together Groups `json:"together,omitempty"`
	// Rewards is the reward composition as a spec, "name=weight,..."; a component of weight 0 is
	// scored and logged but does not move the policy [partial=1,correct=0,format=0].
	Rewards string `json:"rewards"`

	// Steps is the number of optimisation steps of the run [6000].
	Steps int `json:"steps"`
	// Minutes, when positive, ends the run (with a measured, saved checkpoint) at the first step
	// that finishes after this many minutes of wall time in Run, if Steps has not ended it first:
	// a budget for presets sized in time. A resumed run goes on with what its checkpoint had
	// left, so a run stopped and resumed trains no longer than one that was not [0].
	Minutes float64 `json:"minutes"`
	// Seed seeds every random source of the run: initial weights, problems and sampling [1].
	Seed uint64 `json:"seed"`
	// Prompts is the number of distinct problems per step; measured on add2, 32 reached 99%
	// held-out accuracy in fewer sampled answers than 64 (755k against over 900k), at half the
	// cost a step [32].
	Prompts int `json:"prompts"`
	// G is the group size: completions sampled per problem [8].
	G int `json:"g"`
	// Temperature is the sampling temperature of rollouts; log-probs are of that distribution [1].
	Temperature float64 `json:"temperature"`
	// RolloutPrecision is the precision of the policy copy that samples rollouts: fp8 rounds its
	// linear layers' matrices (model.FP8Linear) to E4M3 with block scales before every step's
	// rollouts. The trainer then recomputes the sampled tokens' log-probs under the FP32 policy
	// (π_old of the clipped ratio, as if it had sampled them) and corrects the mismatch with a
	// truncated importance weight on each token's advantage, min(π_old/π_fp8, RolloutISCap), as
	// RL systems that roll out in low precision do (verl's TIS; Yao et al. 2025). Held-out
	// accuracy is always measured on the FP32 policy [fp32].
	RolloutPrecision Precision `json:"rollout_precision"`
	// RolloutISCap truncates that importance weight (at least 1) [2].
	RolloutISCap float64 `json:"rollout_is_cap"`
	// SavePrecision is the precision of the weights in checkpoints' model.safetensors: fp8
	// writes the linear layers' matrices as F8_E4M3, each with a <name>_scale_inv F32 tensor,
	// and the embeddings and head as F32, as DeepSeek-V3 ships; the optimizer state stays FP32,
	// the held-out accuracy recorded with a checkpoint (and so the best one) is the rounded
	// weights', and a run resumed from such a checkpoint continues from the rounded weights
	// (not bit-exact) [fp32].
	SavePrecision Precision `json:"save_precision"`
	// FP8Block is the side of the square blocks that share one FP8 scale [128].
	FP8Block int `json:"fp8_block"`

	// LR is Adam's peak learning rate, reached after Warmup steps [1e-3].
	LR float64 `json:"lr"`
	// Warmup is the number of steps of linear learning-rate warm-up [20].
	Warmup int `json:"warmup"`
	// MinLR and DecayFraction end the run with a decay: the rate is held at LR until the last
	// DecayFraction of Steps, then falls along a half cosine to MinLR on the last step
	// (warm-up-stable-decay; DecayFraction 1 is nanoGPT's cosine after warm-up, MinLR = LR or
	// DecayFraction 0 holds LR throughout). Held at 1e-3 to the end, the default run's
	// held-out accuracy still swung between 90% and 100% from one evaluation to the next;
	// decaying the whole run slowed it from the start [1e-4, 0.2]. With a time budget
	// (Minutes) the decay also starts when the last DecayFraction of the minutes begins,
	// whichever comes first, so a run the clock ends still ends decayed (the schedule of a run
	// with Minutes then depends on the machine's speed, as its last step already does).
	MinLR         float64 `json:"min_lr"`
	DecayFraction float64 `json:"decay_fraction"`
	// Beta1 and Beta2 are Adam's moment decays [0.9, 0.999].
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	// AdamEps is Adam's denominator epsilon [1e-8].
	AdamEps float64 `json:"adam_eps"`
	// RouterBiasRate is γ of DeepSeek-V3's auxiliary-loss-free load balancing, for a policy with
	// routed experts (model.Config.Experts): after every step each layer's selection bias moves
	// γ toward balance, b_i += γ·sign(mean load − load_i) [0.001].
	RouterBiasRate float64 `json:"router_bias_rate"`
	// WeightDecay is AdamW's decoupled decay on matrices and embeddings, not biases or gains [0].
	WeightDecay float64 `json:"weight_decay"`
	// GradClip rescales the gradient to at most this global L2 norm; 0 disables [1].
	GradClip float64 `json:"grad_clip"`

	// Eps is the PPO clip range below 1 (and above, unless EpsHigh is set) [0.2].
	Eps float64 `json:"eps"`
	// EpsHigh, when positive, is DAPO's decoupled upper clip range ("clip-higher") [0].
	EpsHigh float64 `json:"eps_high"`
	// Mu is the number of optimisation passes over each batch of rollouts (GRPO's μ) [1].
	Mu int `json:"mu"`
	// Beta weights the k3 KL penalty to the frozen initial policy; 0 builds no reference [0].
	Beta float64 `json:"beta"`
	// UniformKL weights the exact KL(uniform || π) at each answer token, an exploration anchor
	// that keeps every token's probability away from zero; 0 disables it [0.02].
	UniformKL float64 `json:"uniform_kl"`
	// TargetEntropy, when positive, steers UniformKL's weight up (to at most 1) while the mean
	// entropy of sampled answer tokens is below it and back down to UniformKL above it, so late
	// in training groups keep enough variety to learn from; 0 holds UniformKL fixed [0.4].
	TargetEntropy float64 `json:"target_entropy"`
	// EntropyCoef weights an entropy bonus on answer tokens; 0 disables it [0].
	EntropyCoef float64 `json:"entropy_coef"`
	// Norm is how the per-token objective is averaged into the loss [token].
	Norm LossNorm `json:"norm"`
	// ScaleStd divides group-centred rewards by the group's standard deviation (GRPO); false is
	// Dr. GRPO's mean-only advantage [true].
	ScaleStd bool `json:"scale_std"`
	// Credit selects outcome-only advantages or per-token process advantages where a reward scores
	// tokens [process].
	Credit Credit `json:"credit"`
	// Curriculum, when positive, starts each addition and subtraction skill on its easiest
	// problems (arith.NoCarry: no carries or borrows), the composite on one pair of operators at
	// single-digit values, (a+b)+c ≤ 9 (arith.CompositeRungs), and mul2 on one row (95*4), and
	// moves it up a level (arith.NoOverflow: no carry out of the top column, or 4*95 too; then
	// every problem; the composite's next rung) once its sampled exact accuracy, averaged over
	// the last 10 steps that practised it, reaches this; 0 practises every problem from the
	// start [0.6].
	Curriculum float64 `json:"curriculum"`
	// DynamicSampling resamples groups with no signal at all (DAPO), up to 3 extra rounds a step [false].
	DynamicSampling bool `json:"dynamic_sampling"`

	// EvalEvery measures held-out greedy accuracy every this many steps; 0 only at the end [50].
	EvalEvery int `json:"eval_every"`
	// EvalSize is the number of held-out problems per skill [500].
	EvalSize int `json:"eval_size"`
	// SaveEvery writes a checkpoint every this many steps; 0 only at the end [100].
	SaveEvery int `json:"save_every"`
	// Keep, when positive, prunes the run folder to the newest Keep checkpoints after every save;
	// the latest and the best (highest mean held-out accuracy, named by the run folder's best
	// file) are never pruned; 0 keeps all [0].
	Keep int `json:"keep"`
	// SampleEvery reports a few sampled completions with their rewards every this many steps [100].
	SampleEvery int `json:"sample_every"`
	// TargetAccuracy ends the run early once every skill's held-out greedy accuracy reaches it; 0
	// never stops early [0].
	TargetAccuracy float64 `json:"target_accuracy"`
}

// Default returns the default run: 2-digit addition from random weights.
func Default() Config {
	return Config{
		Model:          model.DefaultConfig(),
		Skills:         Skills{{Kind: arith.Add, Digits: 2}},
		Tutor:          AdaptiveTutor,
		Mastery:        0.95,
		Review:         0.2,
		Rewards:        "partial=1,correct=0,format=0",
		Steps:          6000,
		Seed:           1,
		Prompts:        32,
		G:              8,
		Temperature:    1,
		FP8Block:       128,
		RouterBiasRate: 0.001,
		RolloutISCap:   2,
		LR:             1e-3,
		Warmup:         20,
		MinLR:          1e-4,
		DecayFraction:  0.2,
		Beta1:          0.9,
		Beta2:          0.999,
		AdamEps:        1e-8,
		GradClip:       1,
		Eps:            0.2,
		Mu:             1,
		Beta:           0,
		UniformKL:      0.02,
		TargetEntropy:  0.4,
		Norm:           PerToken,
		ScaleStd:       true,
		Credit:         ProcessCredit,
		Curriculum:     0.6,
		EvalEvery:      50,
		EvalSize:       500,
		SaveEvery:      100,
		SampleEvery:    100,
	}
}

// Validate reports the first field that makes no sense, by its JSON name.
func (c Config) Validate() error {
	if err := c.validateFields(); err != nil {
		return err
	}
	if _, err := reward.Builtins().ParseSpec(c.Rewards); err != nil {
		return fmt.Errorf("trainer: config rewards: %w", err)
	}
	return nil
}

// validateFields is Validate without parsing Rewards against the built-ins, for runs whose mix
// holds rewards registered elsewhere (NewWithRewards).
func (c Config) validateFields() error {
	if err := c.Model.Validate(); err != nil {
		return fmt.Errorf("trainer: config model: %w", err)
	}
	if len(c.Skills) == 0 {
		return fmt.Errorf("trainer: config skills: empty")
	}
	for _, s := range c.Skills {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("trainer: config skills: %w", err)
		}
	}
	if err := tutor.CheckTogether(c.Skills, c.Together); err != nil {
		return fmt.Errorf("trainer: config together: %w", err)
	}
	// The adaptive tutor unlocks skills on held-out measurements; without any it would teach
	// the first skills only, silently.
	if c.Tutor == AdaptiveTutor && c.EvalEvery == 0 && c.SaveEvery == 0 {
		for _, s := range c.Skills {
			if len(tutor.Prerequisites(s, c.Skills, c.Width)) > 0 {
				return fmt.Errorf("trainer: config eval_every: the adaptive tutor unlocks %s on held-out measurements, and eval_every and save_every are both 0", s)
			}
		}
	}
	// Rollouts of every skill are capped at the longest answer of any skill (shapes.maxNew).
	if _, seqLen := c.shapes(); seqLen+1 > c.Model.Ctx {
		return fmt.Errorf("trainer: config skills: %s need %d positions, model ctx is %d", c.Skills, seqLen+1, c.Model.Ctx)
	}
	type check struct {
		name string
		bad  bool
		val  any
	}
	for _, k := range []check{
		{"steps", c.Steps < 1, c.Steps},
		{"minutes", !(c.Minutes >= 0) || math.IsInf(c.Minutes, 0), c.Minutes},
		{"prompts", c.Prompts < 1, c.Prompts},
		{"g", c.G < 2, c.G},
		{"temperature", !(c.Temperature > 0) || math.IsInf(c.Temperature, 0), c.Temperature},
		{"rollout_precision", c.RolloutPrecision < FP32 || c.RolloutPrecision > FP8, c.RolloutPrecision},
		{"save_precision", c.SavePrecision < FP32 || c.SavePrecision > FP8, c.SavePrecision},
		{"rollout_is_cap", !(c.RolloutISCap >= 1) || math.IsInf(c.RolloutISCap, 0), c.RolloutISCap},
		{"router_bias_rate", !(c.RouterBiasRate >= 0) || math.IsInf(c.RouterBiasRate, 0), c.RouterBiasRate},
		{"fp8_block", c.FP8Block < 1 || c.FP8Block > 1<<16, c.FP8Block},
		{"lr", !(c.LR > 0) || math.IsInf(c.LR, 0), c.LR},
		{"warmup", c.Warmup < 0, c.Warmup},
		{"min_lr", !(c.MinLR >= 0), c.MinLR},
		{"decay_fraction", !(c.DecayFraction >= 0 && c.DecayFraction <= 1), c.DecayFraction},
		{"beta1", !(c.Beta1 >= 0 && c.Beta1 < 1), c.Beta1},
		{"beta2", !(c.Beta2 >= 0 && c.Beta2 < 1), c.Beta2},
		{"adam_eps", !(c.AdamEps > 0), c.AdamEps},
		{"weight_decay", !(c.WeightDecay >= 0 && c.WeightDecay < 1), c.WeightDecay},
		{"grad_clip", !(c.GradClip >= 0) || math.IsInf(c.GradClip, 0), c.GradClip},
		{"eps", !(c.Eps > 0 && c.Eps < 1), c.Eps},
		{"eps_high", !(c.EpsHigh >= 0) || math.IsInf(c.EpsHigh, 0), c.EpsHigh},
		{"mu", c.Mu < 1, c.Mu},
		{"beta", !(c.Beta >= 0) || math.IsInf(c.Beta, 0), c.Beta},
		{"uniform_kl", !(c.UniformKL >= 0) || math.IsInf(c.UniformKL, 0), c.UniformKL},
		{"target_entropy", !(c.TargetEntropy >= 0) || math.IsInf(c.TargetEntropy, 0) || (c.TargetEntropy > 0 && c.UniformKL <= 0), c.TargetEntropy},
		{"entropy_coef", !(c.EntropyCoef >= 0) || math.IsInf(c.EntropyCoef, 0), c.EntropyCoef},
		{"norm", c.Norm < PerSequence || c.Norm > Constant, c.Norm},
		{"credit", c.Credit < OutcomeCredit || c.Credit > ProcessCredit, c.Credit},
		{"eval_every", c.EvalEvery < 0, c.EvalEvery},
		{"eval_size", c.EvalSize < 1, c.EvalSize},
		{"save_every", c.SaveEvery < 0, c.SaveEvery},
		{"keep", c.Keep < 0, c.Keep},
		{"sample_every", c.SampleEvery < 0, c.SampleEvery},
		{"curriculum", !(c.Curriculum >= 0 && c.Curriculum <= 1), c.Curriculum},
		{"width", c.Width < 0 || c.Width > arith.Add.MaxDigits(), c.Width},
		{"columns", c.Columns < 0 || c.Columns > arith.Add.MaxDigits(), c.Columns},
		{"tutor", c.Tutor < AdaptiveTutor || c.Tutor > UniformTutor, c.Tutor},
		{"mastery", !(c.Mastery > 0 && c.Mastery <= 1), c.Mastery},
		{"review", !(c.Review >= 0 && c.Review < 1), c.Review},
		{"frontier", c.Frontier < 0, c.Frontier},
		{"target_accuracy", !(c.TargetAccuracy >= 0 && c.TargetAccuracy <= 1), c.TargetAccuracy},
	} {
		if k.bad {
			return fmt.Errorf("trainer: config %s: invalid value %v", k.name, k.val)
		}
	}
	if c.Columns > 0 {
		if c.Width > 0 {
			return fmt.Errorf("trainer: config columns %d and width %d: the column layout fixes the width; set one", c.Columns, c.Width)
		}
		for _, s := range c.Skills {
			if (s.Kind == arith.Add || s.Kind == arith.Sub) && s.Digits > c.Columns {
				return fmt.Errorf("trainer: config columns %d is narrower than skill %v", c.Columns, s)
			}
		}
	}
	if c.Work && c.Width == 0 {
		return fmt.Errorf("trainer: config work: the working is written before a fixed-length answer; set width too")
	}
	if c.Work && !slices.ContainsFunc(c.Skills, func(s arith.Skill) bool { return s.WorkLen() > 0 }) {
		return fmt.Errorf("trainer: config work: no working in skills %v (mul2 and comp1 have one)", c.Skills)
	}
	if c.MinLR > c.LR {
		return fmt.Errorf("trainer: config min_lr %v is above lr %v (min_lr = lr holds the rate constant)", c.MinLR, c.LR)
	}
	return nil
}

// shapes returns the rollout cap (the longest answer any skill allows, also Dr. GRPO's L) and the
// graph's sequence length: the longest prompt plus that cap, less the last token, which is never
// an input.
func (c Config) shapes() (maxNew, seqLen int) {
	prompt := 0
	for _, s := range c.Skills {
		p, a := c.SkillShape(s)
		prompt, maxNew = max(prompt, p), max(maxNew, a)
	}
	return maxNew, prompt + maxNew - 1
}

// SkillShape returns the length of the run's prompts of skill s and the most tokens an answer of s
// takes in the run (Width, Columns): at Width 5, 12+34 is "^00012+00034=" answered "640000$".
func (c Config) SkillShape(s arith.Skill) (prompt, answer int) {
	if c.Columns > 0 && (s.Kind == arith.Add || s.Kind == arith.Sub) {
		return 2*c.Columns + 3, c.Columns + 3
	}
	prompt, answer = s.ShapeAt(c.Width)
	if c.Work && c.Width > 0 && s.WorkLen() > 0 {
		answer += s.WorkLen() + 1 // the working and its '='
	}
	return prompt, answer
}

// Pose returns p as the run poses it: an addition or subtraction in the column layout at width
// Columns when Columns > 0, or at width Width when Width > 0 (and p fits in it), else p
// unchanged; with Work, a skill that has a working is posed worked (arith.Problem.Worked). Rewards
// score the posed problem, whose arith.Expected answer is the one the run teaches.
func (c Config) Pose(p arith.Problem) arith.Problem {
	if c.Columns > 0 {
		if q, err := p.InColumns(c.Columns); err == nil {
			return q
		}
	}
	if c.Width > 0 {
		if q, err := p.AtWidth(c.Width); err == nil {
			if !c.Work {
				return q
			}
			if w, err := q.Worked(); err == nil {
				return w
			}
			return q
		}
	}
	return p
}

// Prompt is the run's prompt for p: arith.Encode(c.Pose(p)).
func (c Config) Prompt(p arith.Problem) []arith.Token {
	return arith.Encode(c.Pose(p))
}

// lrAt is the learning rate of step (counted from 0), used being the fraction of the time budget
// spent (0 without one): a linear warm-up to LR over Warmup steps, LR until the last DecayFraction
// of Steps or of the budget, then a half cosine that reaches MinLR on the last step or at the
// budget's end, whichever is further along.
func (c Config) lrAt(step int, used float64) float64 {
	if step < c.Warmup {
		return c.LR * float64(step+1) / float64(c.Warmup)
	}
	done := -1.0 // how far through the decay; negative before it starts
	if start := max(c.Warmup, c.Steps-int(math.Round(c.DecayFraction*float64(c.Steps)))); step >= start {
		last := c.Steps - 1 // the step that ends at MinLR
		done = math.Min(1, float64(step-start)/float64(max(1, last-start)))
	}
	if c.DecayFraction > 0 && used > 1-c.DecayFraction {
		done = max(done, math.Min(1, (used-(1-c.DecayFraction))/c.DecayFraction))
	}
	if done < 0 {
		return c.LR
	}
	return c.MinLR + (c.LR-c.MinLR)*0.5*(1+math.Cos(math.Pi*done))
}

// Skills is a list of skills whose JSON and flag form is "add1,add2".
type Skills []arith.Skill

func (s Skills) String() string {
	names := make([]string, len(s))
	for i, k := range s {
		names[i] = k.String()
	}
	return strings.Join(names, ",")
}

// MarshalText implements encoding.TextMarshaler.
func (s Skills) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Skills) UnmarshalText(b []byte) error {
	v, err := arith.ParseSkills(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Groups are groups of skills whose JSON and flag form is "mul2+comp1,add2+sub2".
type Groups [][]arith.Skill

func (g Groups) String() string {
	names := make([]string, len(g))
	for i, group := range g {
		names[i] = strings.ReplaceAll(Skills(group).String(), ",", "+")
	}
	return strings.Join(names, ",")
}

// MarshalText implements encoding.TextMarshaler.
func (g Groups) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; "" is no groups.
func (g *Groups) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*g = nil
		return nil
	}
	var out Groups
	for i, part := range strings.Split(string(b), ",") {
		if strings.TrimSpace(part) == "" {
			return fmt.Errorf("groups %q: group %d is empty", b, i+1)
		}
		group, err := arith.ParseSkills(strings.ReplaceAll(part, "+", ","))
		if err != nil {
			return fmt.Errorf("group %q: %w", part, err)
		}
		out = append(out, group)
	}
	*g = out
	return nil
}

// LossNorm is how the per-token objective is averaged into the loss; peers differ here.
type LossNorm int

const (
	// PerSequence averages over each completion's tokens, then over completions:
	// 1/N Σ_i 1/|o_i| Σ_t (the GRPO paper). Long completions weigh less per token.
	PerSequence LossNorm = iota
	// PerToken averages over every answer token of the batch: 1/Σ_i|o_i| Σ_i Σ_t (DAPO).
	PerToken
	// Constant divides by N·L, L the longest answer the skills allow (Dr. GRPO), so no sample's
	// tokens are re-weighted by its own length or the batch's.
	Constant
)

var lossNormNames = [...]string{"sequence", "token", "constant"}

func (n LossNorm) String() string {
	if n < 0 || int(n) >= len(lossNormNames) {
		return fmt.Sprintf("LossNorm(%d)", int(n))
	}
	return lossNormNames[n]
}

// MarshalText implements encoding.TextMarshaler.
func (n LossNorm) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (n *LossNorm) UnmarshalText(b []byte) error {
	for i, name := range lossNormNames {
		if string(b) == name {
			*n = LossNorm(i)
			return nil
		}
	}
	return fmt.Errorf("unknown loss normalisation %q (want %s)", b, strings.Join(lossNormNames[:], ", "))
}

// Credit selects how rewards become advantages.
type Credit int

const (
	// OutcomeCredit gives every token of a completion its group-normalised total reward.
	OutcomeCredit Credit = iota
	// ProcessCredit adds, for rewards that score tokens, each token's own group-normalised score
	// (normalised per answer position across the group), as DeepSeekMath's process supervision.
	ProcessCredit
)

var creditNames = [...]string{"outcome", "process"}

func (c Credit) String() string {
	if c < 0 || int(c) >= len(creditNames) {
		return fmt.Sprintf("Credit(%d)", int(c))
	}
	return creditNames[c]
}

// MarshalText implements encoding.TextMarshaler.
func (c Credit) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Credit) UnmarshalText(b []byte) error {
	for i, name := range creditNames {
		if string(b) == name {
			*c = Credit(i)
			return nil
		}
	}
	return fmt.Errorf("unknown credit %q (want %s)", b, strings.Join(creditNames[:], ", "))
}

// TutorKind selects the tutor (package tutor) that picks each problem's skill.
type TutorKind int

const (
	// AdaptiveTutor unlocks skills in prerequisite order and samples where groups are informative.
	AdaptiveTutor TutorKind = iota
	// UniformTutor draws every skill equally often: the baseline.
	UniformTutor
)

var tutorNames = [...]string{"adaptive", "uniform"}

func (k TutorKind) String() string {
	if k < 0 || int(k) >= len(tutorNames) {
		return fmt.Sprintf("TutorKind(%d)", int(k))
	}
	return tutorNames[k]
}

// MarshalText implements encoding.TextMarshaler.
func (k TutorKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *TutorKind) UnmarshalText(b []byte) error {
	for i, name := range tutorNames {
		if string(b) == name {
			*k = TutorKind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown tutor %q (want %s)", b, strings.Join(tutorNames[:], ", "))
}

// newTutor builds the configured tutor.
func (c Config) newTutor() (tutor.Tutor, error) {
	o := tutor.Options{Skills: c.Skills, Curriculum: c.Curriculum, Mastery: c.Mastery, Review: c.Review, Frontier: c.Frontier,
		Together: c.Together, Width: c.Width}
	if c.Tutor == UniformTutor {
		return tutor.NewUniform(o)
	}
	return tutor.NewAdaptive(o)
}
