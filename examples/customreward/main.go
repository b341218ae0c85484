// Customreward shows how to write a reward of your own and train with it: it defines "nozeros",
// which penalises redundant digits past an answer's most significant one ("040$" for 40, "39-$" for -7),
// registers it beside the built-ins, composes it into a spec and trains a few GRPO steps,
// printing each component's mean score per step.
//
// Usage:
//
//	go run ./examples/customreward [-rewards correct=1,partial=1,nozeros=0.2] [-steps 20] [-dir DIR]
//
// Rewards are Go code, so cmd/train cannot load them: a program like this one builds the trainer
// itself with trainer.NewWithRewards.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/reward"
	"mathzero/trainer"
)

// noZeros is the custom reward: -1 for a well-formed answer with redundant digits, else 0.
var noZeros = reward.Reward{
	Name: "nozeros", Doc: "-1 if a well-formed answer has redundant digits (zeros, or nines before -), else 0", Min: -1, Max: 0,
	Score: func(p arith.Problem, c reward.Completion) (float64, bool) {
		ans := p.FinalAnswer(c.Tokens) // the tokens after the working, if the run writes one
		_, err := arith.DecodeAnswer(ans)
		if err != nil || arith.Canonical(ans) {
			return 0, true // canonical, or not an answer at all (correct and format judge that)
		}
		return -1, true // a well-formed answer with a redundant zero ("040$") or nine ("39-$" for -7)
	},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "customreward:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("customreward", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := fs.String("rewards", "correct=1,partial=1,nozeros=0.2", "reward composition, name=weight,...")
	steps := fs.Int("steps", 20, "GRPO steps")
	dir := fs.String("dir", "", "run directory (default: a new temporary one)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// 1. Register the reward beside the built-ins and compose the mix.
	reg := reward.Builtins()
	if err := reg.Add(noZeros); err != nil {
		return err
	}
	mix, err := reg.ParseSpec(*spec)
	if err != nil {
		return err
	}

	// 2. A small run: one-digit multiplication, whose answers end in zero often enough.
	cfg := trainer.Default()
	cfg.Model = model.Config{Vocab: arith.VocabSize, Ctx: 12, DModel: 32, Heads: 2, Layers: 1, DFF: 64}
	cfg.Skills = trainer.Skills{{Kind: arith.Mul, Digits: 1}}
	cfg.Steps, cfg.Prompts, cfg.G = *steps, 8, 8
	cfg.EvalEvery, cfg.EvalSize, cfg.SaveEvery, cfg.SampleEvery = 0, 50, 0, 0
	tr, err := trainer.NewWithRewards(cfg, mix)
	if err != nil {
		return err
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "customreward"); err != nil {
			return err
		}
	}

	// 3. Train, printing each component's mean raw score per step.
	fmt.Fprintf(stdout, "run %s, rewards %s\n", *dir, mix)
	return tr.Run(ctx, *dir, func(st trainer.Stats) {
		var b strings.Builder
		for _, name := range mix.Names() {
			fmt.Fprintf(&b, " %s=%.3f", name, st.Rewards[name])
		}
		fmt.Fprintf(stdout, "step %3d reward %.3f%s\n", st.Step, st.Reward, b.String())
	})
}
