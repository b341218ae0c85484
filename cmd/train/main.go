// Command train teaches a policy arithmetic from random weights by GRPO.
//
//	go run ./cmd/train                       # the default run: 2-digit addition
//	go run ./cmd/train -out runs/a -steps 200 -rewards correct=1,partial=0.5
//	go run ./cmd/train -resume runs/a -steps 400   # continue runs/a, bit-exactly, to step 400
//	go run ./cmd/train -keep 3                       # keep the newest 3 checkpoints and the best
//
// It prints a progress bar, one greppable line every -log-every steps and a few scored samples,
// and writes config.json, metrics.jsonl and checkpoints into the run folder. Ctrl-C saves a
// checkpoint and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"mathzero/checkpoints"
	"mathzero/trainer"
	"mathzero/tutor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "train:", err)
		}
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := trainer.Default()
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "run folder (default: a new folder under runs/)")
	logEvery := fs.Int("log-every", 10, "print one metrics line every `N` steps (0: never)")
	quiet := fs.Bool("quiet", false, "no progress bar (lines and samples only)")
	resume := fs.String("resume", "", "continue the run in `DIR` (a run or checkpoint folder) where it stopped; only -steps may change")
	initFrom := fs.String("init", "", "start from the weights of the checkpoint in `DIR` (a run or checkpoint folder) instead of random ones; everything else is this run's (-out must be another folder)")
	moe := fs.Bool("moe", false, "replace each MLP by a fine-grained mixture of experts: 16 routed experts of a quarter of -d-ff, 1 shared, top-3 (the dense model's active parameters)")
	price := fs.Float64("price", trainer.DefaultCorePrice, "dollars per core-hour for the cost summary")
	preset := fs.String("preset", "quick", "start from a documented bundle of settings: "+presetUsage()+"; other flags override it")
	bindConfig(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg, err = applyPreset(fs, *preset, cfg); err != nil {
		return err
	}
	if *initFrom != "" && *resume != "" {
		return errors.New("-init and -resume: a resumed run has its own weights; set one")
	}
	if *moe {
		if *resume != "" {
			return errors.New("-moe: a resumed run keeps its checkpoint's model")
		}
		if cfg.Model.Experts == 0 {
			cfg.Model.Experts, cfg.Model.SharedExperts, cfg.Model.TopK, cfg.Model.ExpertDFF = 16, 1, 3, cfg.Model.DFF/4
		}
	}
	var t *trainer.Trainer
	if *resume != "" {
		if t, err = resumeRun(fs, *resume, cfg.Steps, out, stdout); err != nil {
			return err
		}
		cfg = t.Config()
	} else {
		if *out == "" {
			*out = filepath.Join("runs", time.Now().Format("20060102-150405"))
		}
		if t, err = trainer.New(cfg); err != nil {
			return err
		}
		if *initFrom != "" {
			if within(*initFrom, *out) {
				return fmt.Errorf("-out %s holds -init %s: the new run's checkpoints would overwrite the ones it starts from; write it elsewhere", *out, *initFrom)
			}
			if err := t.InitFrom(*initFrom); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "weights from %s\n", *initFrom)
		}
	}
	if cfg.Model.MoE() {
		gates := cfg.Model.RoutedScale
		if gates == 0 {
			gates = 1
		}
		fmt.Fprintf(stdout, "mixture of experts: %d routed (top-%d, gates x%g) + %d shared experts of width %d per layer; %d parameters, %d active per token\n",
			cfg.Model.Experts, cfg.Model.TopK, gates, cfg.Model.SharedExperts, cfg.Model.ExpertDFF, cfg.Model.NumParams(), cfg.Model.ActiveParams())
	}
	fmt.Fprintf(stdout, "run %s: %s, %d params, %d steps of %d problems x %d, rewards %s\n",
		*out, cfg.Skills, cfg.Model.NumParams(), cfg.Steps, cfg.Prompts, cfg.G, cfg.Rewards)

	bar := progressbar.NewOptions(cfg.Steps,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetVisibility(!*quiet),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish())
	heldOut := ""
	var tokens int
	var rolloutSecs float64
	start := time.Now()
	report := func(s trainer.Stats) {
		tokens += s.Tokens
		rolloutSecs += s.RolloutSeconds
		if len(s.HeldOut) > 0 {
			heldOut = progress(cfg, s)
		}
		bar.Describe(fmt.Sprintf("reward %.3f acc %.2f held-out%s | %.0f tok/s", s.Reward, s.Accuracy, heldOut, s.TokensPerSec))
		_ = bar.Set(s.Step)
		if (*logEvery > 0 && s.Step%*logEvery == 0) || len(s.HeldOut) > 0 || len(s.Samples) > 0 {
			_ = bar.Clear()
			fmt.Fprintf(stdout, "%s elapsed %.0fs\n", s.Line(), s.Elapsed)
			for _, smp := range s.Samples {
				fmt.Fprintf(stdout, "  sample %s = %d: wrote %q reward %.2f (%s) advantages %s\n",
					smp.Problem, smp.Answer, smp.Completion, smp.Total, components(smp.Rewards), floats(smp.Advantage))
			}
		}
	}
	err = t.Run(ctx, *out, report)
	_ = bar.Finish()
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stdout, "interrupted at step %d; checkpoint saved in %s\n", t.StepCount(), *out)
		return nil
	}
	if err != nil {
		return err
	}
	accs, err := t.Evaluate()
	if err != nil {
		return err
	}
	for _, a := range accs {
		fmt.Fprintf(stdout, "held-out %s: %d/%d = %.2f%%\n", a.Skill, a.Correct, a.N, 100*a.Accuracy())
		for _, m := range a.Mistakes {
			fmt.Fprintf(stdout, "  mistake %s = %d, wrote %q\n", m.Problem, m.Want, m.Got)
		}
	}
	cores := runtime.GOMAXPROCS(0)
	if rolloutSecs > 0 {
		fmt.Fprintln(stdout, trainer.CostLine(float64(tokens)/rolloutSecs, cores, *price))
	}
	fmt.Fprintf(stdout, "training cost: $%.4f (%.1f minutes on %s at $%.3f/core-hour)\n",
		time.Since(start).Hours()*float64(cores)**price, time.Since(start).Minutes(), trainer.Cores(cores), *price)
	fmt.Fprintf(stdout, "done: %d steps; checkpoints in %s (evaluate: go run ./cmd/eval -ckpt %s -data FILE.jsonl)\n",
		t.StepCount(), *out, *out)
	return nil
}

// bindConfig defines the flags that set cfg's fields, with cfg's values as defaults.
func bindConfig(fs *flag.FlagSet, cfg *trainer.Config) {
	fs.IntVar(&cfg.Steps, "steps", cfg.Steps, "optimisation steps")
	fs.Float64Var(&cfg.Minutes, "minutes", cfg.Minutes, "also stop after this many `minutes` of training, with a checkpoint (0: no time limit)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of every random source")
	fs.StringVar(&cfg.Rewards, "rewards", cfg.Rewards, "reward composition `name=weight,...` (built-ins: correct, format, partial, closeness, length, sign, think)")
	fs.TextVar(&cfg.Skills, "skills", cfg.Skills, "skills to practise, e.g. `add1,add2` (add1-6, sub1-6, mul1-2, comp1, dsum4)")
	fs.IntVar(&cfg.Prompts, "prompts", cfg.Prompts, "problems per step")
	fs.IntVar(&cfg.G, "g", cfg.G, "completions per problem (group size)")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "peak learning rate")
	fs.Float64Var(&cfg.MinLR, "min-lr", cfg.MinLR, "learning rate at the last step (= -lr: constant)")
	fs.Float64Var(&cfg.DecayFraction, "decay", cfg.DecayFraction, "last `fraction` of the steps, or of -minutes if that comes first, over which the rate falls from -lr to -min-lr along a half cosine (1: the whole run)")
	fs.Float64Var(&cfg.Beta, "beta", cfg.Beta, "weight of the KL penalty to the initial policy (0: none)")
	fs.Float64Var(&cfg.UniformKL, "uniform-kl", cfg.UniformKL, "weight of the exact KL(uniform || policy) anchor (0: none)")
	fs.Float64Var(&cfg.TargetEntropy, "target-entropy", cfg.TargetEntropy, "raise -uniform-kl while answer-token entropy is below this (nats; 0: fixed)")
	fs.Float64Var(&cfg.EntropyCoef, "entropy", cfg.EntropyCoef, "entropy bonus coefficient")
	fs.TextVar(&cfg.Tutor, "tutor", cfg.Tutor, "who picks each problem's skill: `adaptive` (prerequisites, informative groups, review) or uniform")
	fs.BoolVar(&cfg.Work, "work", cfg.Work, "write the working before the answer where a skill has one (mul2's one-digit products, comp1's first result), with credit for each right step; needs -width and mul2 or comp1 among -skills")
	fs.IntVar(&cfg.Width, "width", cfg.Width, "pad addition and subtraction operands to at least `N` digits, so all widths share positions and the tutor teaches the widest first; every answer then has a fixed length (0: own width and length)")
	fs.IntVar(&cfg.Columns, "columns", cfg.Columns, "pose addition and subtraction in the column layout at `N` digits: operands least significant first, answers of N+1 digits (0: natural; see -rope)")
	fs.Float64Var(&cfg.Mastery, "mastery", cfg.Mastery, "held-out accuracy at which a skill is mastered and unlocks the next")
	fs.IntVar(&cfg.Frontier, "frontier", cfg.Frontier, "most skills the adaptive tutor teaches at once (0: all unlocked)")
	fs.TextVar(&cfg.Together, "together", cfg.Together, "skills the adaptive tutor unlocks side by side, one place on the frontier a group, e.g. `mul2+comp1`")
	fs.Float64Var(&cfg.Review, "review", cfg.Review, "share of each step the adaptive tutor spends reviewing mastered skills")
	fs.IntVar(&cfg.Model.DModel, "d-model", cfg.Model.DModel, "model width")
	fs.IntVar(&cfg.Model.Layers, "layers", cfg.Model.Layers, "transformer blocks")
	fs.IntVar(&cfg.Model.Heads, "heads", cfg.Model.Heads, "attention heads")
	fs.IntVar(&cfg.Model.DFF, "d-ff", cfg.Model.DFF, "MLP hidden width")
	fs.IntVar(&cfg.Model.Ctx, "ctx", cfg.Model.Ctx, "context length (positions)")
	fs.BoolVar(&cfg.Model.RoPE, "rope", cfg.Model.RoPE, "rotary position embeddings on queries and keys instead of learned absolute positions")
	fs.Float64Var(&cfg.Model.RoPEBase, "rope-base", cfg.Model.RoPEBase, "base of -rope's frequencies (0: RoFormer's 10000)")
	fs.BoolVar(&cfg.Model.RelBias, "relbias", cfg.Model.RelBias, "a learned bias per attention head and distance (T5's relative bias, unbucketed) instead of learned absolute positions")
	fs.IntVar(&cfg.Model.Experts, "experts", cfg.Model.Experts, "routed experts per layer (0: dense MLP; see -moe)")
	fs.IntVar(&cfg.Model.SharedExperts, "shared-experts", cfg.Model.SharedExperts, "shared experts per layer, with -experts")
	fs.IntVar(&cfg.Model.TopK, "top-k", cfg.Model.TopK, "routed experts per token, with -experts")
	fs.IntVar(&cfg.Model.ExpertDFF, "expert-d-ff", cfg.Model.ExpertDFF, "hidden width of one expert, with -experts")
	fs.Float64Var(&cfg.Model.RoutedScale, "routed-scale", cfg.Model.RoutedScale, "factor on the routed experts' gates, which sum to 1 (DeepSeek-V3's routed scaling factor; 0 means 1)")
	fs.Float64Var(&cfg.RouterBiasRate, "router-bias-rate", cfg.RouterBiasRate, "step of the experts' load-balancing selection bias (DeepSeek-V3's gamma)")
	fs.Float64Var(&cfg.Curriculum, "curriculum", cfg.Curriculum, "sampled accuracy that moves the curriculum up a level (0: all problems from the start)")
	fs.Float64Var(&cfg.Eps, "eps", cfg.Eps, "PPO clip range")
	fs.Float64Var(&cfg.EpsHigh, "eps-high", cfg.EpsHigh, "upper clip range, DAPO clip-higher (0: same as -eps)")
	fs.IntVar(&cfg.Mu, "mu", cfg.Mu, "optimisation passes per batch of rollouts")
	fs.TextVar(&cfg.Norm, "norm", cfg.Norm, "loss normalisation: `sequence` (GRPO), token (DAPO) or constant (Dr. GRPO)")
	fs.TextVar(&cfg.Credit, "credit", cfg.Credit, "advantages: `process` (per token where a reward scores tokens) or outcome")
	fs.BoolVar(&cfg.ScaleStd, "scale-std", cfg.ScaleStd, "divide advantages by the group std (false: Dr. GRPO)")
	fs.BoolVar(&cfg.DynamicSampling, "dynamic-sampling", cfg.DynamicSampling, "resample groups with no signal (DAPO)")
	fs.Float64Var(&cfg.Temperature, "temperature", cfg.Temperature, "sampling temperature")
	fs.TextVar(&cfg.RolloutPrecision, "rollout-precision", cfg.RolloutPrecision, "weights the rollouts sample from: `fp32`, or fp8 (E4M3, block-scaled; truncated importance weights correct the mismatch)")
	fs.TextVar(&cfg.SavePrecision, "save-precision", cfg.SavePrecision, "weights in checkpoints: `fp32`, or fp8 (F8_E4M3 + *_scale_inv, about 4x smaller)")
	fs.IntVar(&cfg.FP8Block, "fp8-block", cfg.FP8Block, "side `N` of the square blocks sharing one FP8 scale")
	fs.Float64Var(&cfg.RolloutISCap, "rollout-is-cap", cfg.RolloutISCap, "with -rollout-precision fp8: truncate each token's importance weight π/π_fp8 at this value (at least 1)")
	fs.IntVar(&cfg.EvalEvery, "eval-every", cfg.EvalEvery, "held-out greedy evaluation every `N` steps")
	fs.IntVar(&cfg.EvalSize, "eval-size", cfg.EvalSize, "held-out problems per skill")
	fs.IntVar(&cfg.SaveEvery, "save-every", cfg.SaveEvery, "checkpoint every `N` steps (0: only at the end)")
	fs.IntVar(&cfg.SampleEvery, "sample-every", cfg.SampleEvery, "print scored samples every `N` steps")
	fs.Float64Var(&cfg.TargetAccuracy, "target", cfg.TargetAccuracy, "stop once every skill's held-out accuracy reaches this (0: run all steps)")
	fs.IntVar(&cfg.Keep, "keep", cfg.Keep, "keep only the newest `N` checkpoints, plus the best by held-out accuracy (0: all)")
}

// progress is the held-out part of the progress line: every skill's accuracy for a run of a few
// skills; for a larger one, the frontier's and how many skills are mastered.
func progress(cfg trainer.Config, s trainer.Stats) string {
	var b strings.Builder
	if len(cfg.Skills) <= 3 {
		for _, sk := range cfg.Skills {
			fmt.Fprintf(&b, " %s %.1f%%", sk, 100*s.HeldOut[sk.String()])
		}
		return b.String()
	}
	mastered := 0
	for _, r := range s.Tutor {
		if r.Status == tutor.Mastered {
			mastered++
		}
	}
	fmt.Fprintf(&b, " mastered %d/%d, frontier", mastered, len(cfg.Skills))
	if len(s.Frontier) == 0 {
		b.WriteString(" none")
	}
	for _, name := range s.Frontier {
		fmt.Fprintf(&b, " %s %.1f%%", name, 100*s.HeldOut[name])
	}
	return b.String()
}

// notConfig are the flags that a resume may set freely.
var notConfig = map[string]bool{"init": true, "steps": true, "out": true, "log-every": true, "quiet": true, "resume": true, "preset": true, "price": true, "moe": true}

func presetUsage() string {
	var parts []string
	for _, n := range trainer.PresetNames() {
		parts = append(parts, fmt.Sprintf("%s (%s)", n, trainer.PresetDoc(n)))
	}
	return strings.Join(parts, "; ")
}

// applyPreset returns the named preset with every config flag set explicitly on fs applied over
// it, so "-preset gpt3 -steps 100" is the gpt3 preset for 100 steps.
func applyPreset(fs *flag.FlagSet, name string, parsed trainer.Config) (trainer.Config, error) {
	base, err := trainer.Preset(name)
	if err != nil {
		return parsed, fmt.Errorf("-preset: %w", err)
	}
	over := flag.NewFlagSet("preset", flag.ContinueOnError)
	over.SetOutput(io.Discard)
	bindConfig(over, &base)
	fs.Visit(func(f *flag.Flag) {
		if over.Lookup(f.Name) != nil && err == nil {
			if e := over.Set(f.Name, f.Value.String()); e != nil {
				err = fmt.Errorf("-%s: %w", f.Name, e)
			}
		}
	})
	return base, err
}

// resumeRun resumes the run at dir for steps steps (if -steps was set). A config flag set explicitly
// must agree with the checkpoint's config. It sets *out to the run folder unless -out was given.
func resumeRun(fs *flag.FlagSet, dir string, steps int, out *string, stdout io.Writer) (*trainer.Trainer, error) {
	ckCfg, step, err := trainer.ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	// The checkpoint's config seen through the same flags, to compare their string forms.
	ckFlags := flag.NewFlagSet("checkpoint", flag.ContinueOnError)
	bindConfig(ckFlags, &ckCfg)
	setSteps := false
	var conflict error
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "steps" {
			setSteps = true
		}
		if notConfig[f.Name] || conflict != nil {
			return
		}
		if ck := ckFlags.Lookup(f.Name).Value.String(); ck != f.Value.String() {
			conflict = fmt.Errorf("-resume %s: -%s %s contradicts the checkpoint's %s (only -steps may change)", dir, f.Name, f.Value, ck)
		}
	})
	if conflict != nil {
		return nil, conflict
	}
	if !setSteps {
		steps = 0
	}
	t, err := trainer.Resume(dir, steps)
	if err != nil {
		return nil, err
	}
	if *out == "" {
		ckDir, err := checkpoints.Resolve(dir)
		if err != nil {
			return nil, err
		}
		*out = filepath.Dir(ckDir)
	}
	if setSteps && steps != ckCfg.Steps {
		fmt.Fprintf(stdout, "resumed %s at step %d (steps %d -> %d)\n", dir, step, ckCfg.Steps, steps)
	} else {
		fmt.Fprintf(stdout, "resumed %s at step %d\n", dir, step)
	}
	return t, nil
}

// components renders reward components as "correct 1.00, partial 0.75" in name order.
func components(m map[string]float64) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %.2f", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// floats renders a per-token vector as "[+1.29 -0.16]".
func floats(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%+.2f", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// within reports whether path is dir or lies under it.
func within(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
