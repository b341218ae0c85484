// Command inspect shows what is inside a checkpoint: its format version, step and config, every
// tensor's statistics, held-out greedy accuracy per skill, and a few sampled completions with each
// reward component and their group advantage.
//
//	go run ./cmd/inspect runs/a                     # the run's latest checkpoint
//	go run ./cmd/inspect -json runs/a/step-000100   # all of it as one JSON document
//	go run ./cmd/inspect -diff runs/a/step-000100 runs/a   # what changed since step 100
//	go run ./cmd/inspect -plot curves.png runs/a    # the run's curves from metrics.jsonl
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"mathzero/checkpoints"
	"mathzero/env/arith"
	"mathzero/fp8"
	"mathzero/model"
	"mathzero/reward"
	"mathzero/trainer"
	"mathzero/tutor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "inspect:", err)
		}
		stop()
		os.Exit(1)
	}
}

// Report is everything inspect finds; -json writes it as is.
type Report struct {
	Checkpoint    string         `json:"checkpoint"` // the checkpoint directory read
	FormatVersion int            `json:"format_version"`
	Step          int            `json:"step"`
	Config        trainer.Config `json:"config"`
	Params        int            `json:"params"`
	ActiveParams  int            `json:"active_params"` // used per token (fewer than params with routed experts)
	// ExpertLoad is, per layer and routed expert, the share of token-slots routed to it while
	// decoding the held-out problems (absent for a dense policy).
	ExpertLoad [][]float64   `json:"expert_load,omitempty"`
	Tensors    []TensorStats `json:"tensors"`
	HeldOut    []Accuracy    `json:"held_out"`
	// Skills is the tutor's record at this checkpoint (absent in checkpoints from before tutors).
	Skills  []tutor.SkillReport `json:"skills,omitempty"`
	Samples []Group             `json:"samples"`
	Diff    *Diff               `json:"diff,omitempty"`
	Plot    string              `json:"plot,omitempty"` // the PNG written by -plot
}

// TensorStats summarise one tensor's finite elements; NaN and Inf are counted apart.
type TensorStats struct {
	Name  string  `json:"name"`
	Shape []int   `json:"shape"`
	DType string  `json:"dtype"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Norm  float64 `json:"l2"`
	NaN   int     `json:"nan"`
	Inf   int     `json:"inf"`
}

// Accuracy is held-out greedy accuracy on one skill.
type Accuracy struct {
	Skill    string  `json:"skill"`
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
}

// Group is K sampled completions of one held-out prompt, scored as the trainer scores them.
type Group struct {
	Problem     string       `json:"problem"`
	Answer      int          `json:"answer"`
	Completions []Completion `json:"completions"`
}

// Completion is one sample with its reward components, total R and outcome advantage
// (R - mean R) / (std R + 1e-4) over its group (population std, as the trainer).
type Completion struct {
	Text      string             `json:"text"`
	Rewards   map[string]float64 `json:"rewards"`
	Total     float64            `json:"total"`
	Advantage float64            `json:"advantage"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	k := fs.Int("k", 4, "sampled completions per prompt")
	asJSON := fs.Bool("json", false, "write everything as one JSON document")
	diff := fs.String("diff", "", "compare with the checkpoint at `OTHER`: per-tensor relative change and mean KL")
	probes := fs.Int("probes", 200, "held-out prompts of the -diff KL probe set")
	evalSize := fs.Int("eval-size", 0, "held-out problems per skill (0: the run's eval_size)")
	plotFile := fs.String("plot", "", "render the run's metrics.jsonl curves into `FILE.png`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want one checkpoint or run folder, got %d arguments", fs.NArg())
	}
	if *k < 2 || *probes < 1 || *evalSize < 0 {
		return fmt.Errorf("-k must be at least 2, -probes at least 1 and -eval-size not negative")
	}
	path := fs.Arg(0)
	dir, err := checkpoints.Resolve(path)
	if err != nil {
		return err
	}
	ck, err := checkpoints.Load(dir)
	if err != nil {
		return err
	}
	policy, cfg, err := trainer.LoadPolicy(dir)
	if err != nil {
		return err
	}
	rep := Report{Checkpoint: dir, FormatVersion: checkpoints.FormatVersion, Step: ck.Step, Config: cfg,
		Params: cfg.Model.NumParams(), ActiveParams: cfg.Model.ActiveParams()}
	// FP8 weights (SavePrecision fp8) are summarised by their dequantised values.
	deq, err := checkpoints.DequantizeWeights(ck.Weights, fp8.Block{Rows: cfg.FP8Block, Cols: cfg.FP8Block})
	if err != nil {
		return err
	}
	values := make(map[string]checkpoints.Tensor, len(deq))
	for _, t := range deq {
		values[t.Name] = t
	}
	for _, t := range ck.Weights {
		st := t
		if t.Dtype == checkpoints.F8E4M3 {
			st = values[t.Name]
		}
		ts := tensorStats(st)
		ts.DType = t.Dtype.String()
		rep.Tensors = append(rep.Tensors, ts)
	}
	if *evalSize == 0 {
		*evalSize = cfg.EvalSize
	}
	sampler := model.NewSampler(policy)
	for _, s := range cfg.Skills {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a, err := trainer.Greedy(sampler, cfg, arith.HeldOutSet(s, *evalSize, cfg.Seed), 0)
		if err != nil {
			return err
		}
		for l, layer := range sampler.ExpertLoad() { // the last decode's load (one per skill up to 512 problems)
			if len(rep.ExpertLoad) <= l {
				rep.ExpertLoad = append(rep.ExpertLoad, make([]float64, len(layer)))
			}
			for e, n := range layer {
				rep.ExpertLoad[l][e] += float64(n)
			}
		}
		rep.HeldOut = append(rep.HeldOut, Accuracy{Skill: s.String(), N: a.N, Correct: a.Correct, Accuracy: a.Accuracy()})
	}
	switch sk, err := trainer.ReadSkills(dir); {
	case err == nil:
		rep.Skills = sk
	case !errors.Is(err, trainer.ErrNoTutor):
		return err
	}
	for _, layer := range rep.ExpertLoad {
		total := 0.0
		for _, n := range layer {
			total += n
		}
		for e := range layer {
			if total > 0 {
				layer[e] /= total
			}
		}
	}
	if rep.Samples, err = sampleGroups(sampler, cfg, *k); err != nil {
		return err
	}
	if *diff != "" {
		if rep.Diff, err = diffPolicies(policy, cfg, *diff, *probes); err != nil {
			return err
		}
	}
	if *plotFile != "" {
		if err := plotMetrics(filepath.Join(filepath.Dir(dir), "metrics.jsonl"), *plotFile); err != nil {
			return err
		}
		rep.Plot = *plotFile
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return printReport(stdout, rep)
}

// tensorStats computes mean, std (population), min, max and L2 norm over the finite elements.
func tensorStats(t checkpoints.Tensor) TensorStats {
	st := TensorStats{Name: t.Name, Shape: t.Shape, DType: "F32", Min: math.Inf(1), Max: math.Inf(-1)}
	var sum, sq float64
	n := 0
	for _, v := range t.Data {
		x := float64(v)
		switch {
		case math.IsNaN(x):
			st.NaN++
			continue
		case math.IsInf(x, 0):
			st.Inf++
			continue
		}
		n++
		sum += x
		sq += x * x
		st.Min, st.Max = math.Min(st.Min, x), math.Max(st.Max, x)
	}
	if n == 0 {
		st.Min, st.Max = 0, 0
		return st
	}
	st.Mean = sum / float64(n)
	st.Std = math.Sqrt(math.Max(0, sq/float64(n)-st.Mean*st.Mean))
	st.Norm = math.Sqrt(sq)
	return st
}

// sampleGroups samples k completions of 3 held-out prompts (skills in turn) at the run's
// temperature from a fixed seed, and scores them with the run's rewards.
func sampleGroups(s *model.Sampler, cfg trainer.Config, k int) ([]Group, error) {
	mix, err := reward.Builtins().ParseSpec(cfg.Rewards)
	if err != nil {
		return nil, fmt.Errorf("rewards %q: %w", cfg.Rewards, err)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 3))
	var groups []Group
	for i := range 3 {
		skill := cfg.Skills[i%len(cfg.Skills)]
		p := cfg.Pose(arith.HeldOutSet(skill, i/len(cfg.Skills)+1, cfg.Seed)[i/len(cfg.Skills)])
		prompts := make([][]int, k)
		for j := range prompts {
			prompts[j] = arith.IDs(cfg.Prompt(p))
		}
		_, maxNew := cfg.SkillShape(skill)
		samples, err := s.Generate(prompts, maxNew, cfg.Temperature, int(arith.End), rng)
		if err != nil {
			return nil, err
		}
		g := Group{Problem: p.String(), Answer: p.Answer}
		totals := make([]float64, k)
		for j, smp := range samples {
			toks := make([]arith.Token, len(smp.Tokens))
			for n, t := range smp.Tokens {
				toks[n] = arith.Token(t)
			}
			total, parts, ok := mix.Score(p, reward.Completion{Tokens: toks})
			c := Completion{Text: arith.Render(toks), Rewards: map[string]float64{}, Total: total}
			for n, term := range mix {
				if ok[n] {
					c.Rewards[term.Reward.Name] = parts[n]
				}
			}
			totals[j] = total
			g.Completions = append(g.Completions, c)
		}
		for j, a := range trainer.OutcomeAdvantages(totals) {
			g.Completions[j].Advantage = a
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func printReport(w io.Writer, rep Report) error {
	cfgJSON, err := json.MarshalIndent(rep.Config, "  ", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "checkpoint %s: format version %d, step %d, %d parameters (%d active per token)\nconfig\n  %s\n",
		rep.Checkpoint, rep.FormatVersion, rep.Step, rep.Params, rep.ActiveParams, cfgJSON)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tensor\tshape\tdtype\tmean\tstd\tmin\tmax\tL2\tNaN\tInf\t")
	for _, t := range rep.Tensors {
		fmt.Fprintf(tw, "%s\t%v\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%d\t%d\t\n",
			t.Name, t.Shape, t.DType, t.Mean, t.Std, t.Min, t.Max, t.Norm, t.NaN, t.Inf)
	}
	tw.Flush()
	if len(rep.Skills) == len(rep.HeldOut) {
		fmt.Fprintf(w, "skills (%s tutor; held-out greedy accuracy measured now)\n", rep.Config.Tutor)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  skill\tstatus\tlevel\theld-out\t\tpass rate\tsignal\tshare\tgroups\t")
		for i, a := range rep.HeldOut {
			r := rep.Skills[i]
			// The level out of the skill's top: the composite's ladder has 18 rungs, the others 2.
			fmt.Fprintf(tw, "  %s\t%s\t%d/%d\t%d/%d\t%.2f%%\t%.2f\t%.2f\t%.2f\t%d\t\n", a.Skill, r.Status, r.Level, r.Skill.Top(),
				a.Correct, a.N, 100*a.Accuracy, r.PassRate, r.Signal, r.Share, r.Groups)
		}
		tw.Flush()
	} else {
		fmt.Fprintln(w, "held-out greedy accuracy")
		for _, a := range rep.HeldOut {
			fmt.Fprintf(w, "  %-6s %4d/%-4d %6.2f%%\n", a.Skill, a.Correct, a.N, 100*a.Accuracy)
		}
	}
	for l, layer := range rep.ExpertLoad {
		fmt.Fprintf(w, "expert load, layer %d (share of token-slots on the held-out problems; balanced: %.1f%%)\n", l, 100/float64(len(layer)))
		for e, share := range layer {
			fmt.Fprintf(w, "  expert %2d %5.1f%% %s\n", e, 100*share, strings.Repeat("#", int(math.Round(share*float64(len(layer))*10))))
		}
	}
	for _, g := range rep.Samples {
		fmt.Fprintf(w, "samples of %s = %d\n", g.Problem, g.Answer)
		for _, c := range g.Completions {
			fmt.Fprintf(w, "  %-12q R %6.3f  adv %+6.2f  %s\n", c.Text, c.Total, c.Advantage, components(c.Rewards))
		}
	}
	if d := rep.Diff; d != nil {
		printDiff(w, d)
	}
	if rep.Plot != "" {
		fmt.Fprintf(w, "plot written to %s\n", rep.Plot)
	}
	return nil
}

func components(m map[string]float64) string {
	var parts []string
	for _, name := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %.2f", name, m[name]))
	}
	return strings.Join(parts, ", ")
}
