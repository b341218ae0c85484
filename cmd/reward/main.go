// Reward is the reward test kit: it scores a reward composition on a fixed set of golden
// completions and lints it, and with -ckpt forecasts how much learning signal a policy's groups
// would carry.
//
// Usage:
//
//	go run ./cmd/reward [-rewards SPEC] [-ckpt PATH [-problems 64] [-g G] [-seed 1]]
//	go run ./cmd/reward -ckpt PATH -xray [-groups 4] [-seed 1] [-rewards SPEC]
//
// The table shows, for a couple of problems, each golden completion (correct, wrong, off by one
// digit, wrong sign, a redundant digit, empty, truncated with no End, garbage, tokens after End) with
// every component's raw score ("n/a" where not applicable) and the weighted total. The lint then
// flags a component that
//
//   - is constant over the cases: it cannot tell completions apart, so it adds no signal;
//   - scores outside its declared [Min, Max];
//   - gives its maximum to a well-formed but wrong answer: the policy can max it out without being
//     right, the classic hacked format reward (pure penalties, Max <= 0, are exempt);
//
// and flags the composition if a well-formed wrong answer totals no less than the correct one.
//
// With -ckpt it samples the checkpoint's policy at temperature 1 on -problems problems of each
// of its skills, G completions each, estimates the skill's pass rate p (completions exactly
// right), and forecasts the share of informative groups 1 - p^G - (1-p)^G for an outcome reward
// (a group whose completions all pass or all fail has zero advantage), beside the share measured
// on the sampled groups (lower when some problems are always solved and others never); where
// either is under 20% it warns that training on that skill would starve.
//
// With -ckpt and -xray [-groups 4] it instead X-rays one training batch of the checkpoint
// (trainer.XRay; see xray.go): rewards, advantages, ratios and each token's share of the loss,
// then the loss under each normalisation. Without -rewards it scores with the run's own mix.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"mathzero/reward"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "reward:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reward", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := fs.String("rewards", "correct=1,format=0.1,partial=0.5", "reward composition, name=weight,...")
	ckpt := fs.String("ckpt", "", "checkpoint or run directory whose policy to sample for the forecast")
	problems := fs.Int("problems", 64, "problems per skill for the -ckpt forecast")
	g := fs.Int("g", 0, "group size G for the forecast (default: the checkpoint's)")
	seed := fs.Uint64("seed", 1, "seed of the forecast's problems and samples")
	xr := fs.Bool("xray", false, "with -ckpt: X-ray one training batch instead of the table and forecast")
	groups := fs.Int("groups", 4, "problems in the -xray batch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *problems < 1 || *g < 0 || *g == 1 {
		return fmt.Errorf("-problems must be >= 1 and -g >= 2")
	}
	if *xr {
		if *ckpt == "" || *groups < 1 {
			return fmt.Errorf("-xray needs -ckpt and -groups >= 1")
		}
		own := true // without -rewards, the run's own rewards
		fs.Visit(func(f *flag.Flag) { own = own && f.Name != "rewards" })
		if own {
			*spec = ""
		}
		return xray(ctx, stdout, *ckpt, *spec, *groups, *seed)
	}
	mix, err := reward.Builtins().ParseSpec(*spec)
	if err != nil {
		return err
	}
	rows, err := scoreGolden(mix)
	if err != nil {
		return err
	}
	writeTable(stdout, mix, rows)
	fmt.Fprintln(stdout)
	warnings := lint(mix, rows)
	for _, w := range warnings {
		fmt.Fprintln(stdout, "lint:", w)
	}
	if len(warnings) == 0 {
		fmt.Fprintln(stdout, "lint: ok")
	}
	if *ckpt == "" {
		return nil
	}
	fmt.Fprintln(stdout)
	return forecast(ctx, stdout, *ckpt, *problems, *g, *seed)
}
