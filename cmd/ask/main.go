// Command ask puts arithmetic questions to a trained policy and prints its greedy answer with each
// token's probability.
//
//	go run ./cmd/ask -ckpt runs/a "37+45" "What is 98 plus 45?"
//	printf '37+45\n#8606\n' | go run ./cmd/ask -ckpt runs/a
//	go run ./cmd/ask -ckpt runs/a -v "37+45"   # and the cost of a million generated tokens
//
// With no question arguments it reads one question a line from stdin (symbolic or GPT-3's English
// forms, see arith.ParseQuestion). Operands narrower than a practised skill of the same operation
// are zero-padded to its width ("5+3" to a policy of add2 is "05+03"). A question of a skill the run did not practise is still answered,
// after a warning. A bad line gets an error line and the next line is read; the exit status is
// non-zero at the end if any question failed.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ask:", err)
		}
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ckpt := fs.String("ckpt", "", "checkpoint folder, or run folder meaning its latest checkpoint")
	verbose := fs.Bool("v", false, "also measure sampling throughput and print the cost of a million generated tokens")
	price := fs.Float64("price", trainer.DefaultCorePrice, "dollars per core-hour for -v's cost")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" {
		return errors.New("-ckpt is required")
	}
	policy, cfg, err := trainer.LoadPolicy(*ckpt)
	if err != nil {
		return err
	}
	a := &asker{sampler: model.NewSampler(policy), cfg: cfg, stdout: stdout, stderr: stderr}
	if fs.NArg() > 0 {
		for _, q := range fs.Args() {
			a.ask(q, q)
		}
	} else {
		sc := bufio.NewScanner(stdin)
		for line := 1; sc.Scan(); line++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			a.ask(sc.Text(), fmt.Sprintf("line %d", line))
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("stdin: %w", err)
		}
	}
	if *verbose {
		// One rollout-sized batch (512 prompts of the run's skills) gives a throughput worth
		// pricing; a single question is over in microseconds.
		tps, err := trainer.Throughput(a.sampler, cfg, 512)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, trainer.CostLine(tps, runtime.GOMAXPROCS(0), *price))
	}
	if a.failed > 0 {
		return fmt.Errorf("%d of %d questions failed", a.failed, a.asked)
	}
	return nil
}

type asker struct {
	sampler        *model.Sampler
	cfg            trainer.Config
	stdout, stderr io.Writer
	asked, failed  int
}

// ask answers one question, or prints an error line naming where it came from.
func (a *asker) ask(q, where string) {
	a.asked++
	if err := a.answer(q); err != nil {
		a.failed++
		fmt.Fprintf(a.stderr, "error: %s: %v\n", where, err)
	}
}

func (a *asker) answer(q string) error {
	p, err := arith.ParseQuestion(q)
	if err != nil {
		return err
	}
	// "5+3" parses as add1; a policy that practised add2 reads it zero-padded, as "05+03".
	for _, s := range a.cfg.Skills {
		if s.Kind == p.Skill.Kind && s.Digits > p.Skill.Digits && !slices.Contains(a.cfg.Skills, p.Skill) {
			if w, err := p.WithDigits(s.Digits); err == nil {
				p = w
			}
			break
		}
	}
	prompt := a.cfg.Prompt(p)
	_, maxNew := a.cfg.SkillShape(p.Skill) // the run's cap, as in its rollouts and held-out checks
	if n := len(prompt) + maxNew; n > a.cfg.Model.Ctx {
		return fmt.Errorf("%s is %s, which needs %d positions; the model has %d", p, p.Skill, n, a.cfg.Model.Ctx)
	}
	if !slices.Contains(a.cfg.Skills, p.Skill) {
		fmt.Fprintf(a.stdout, "warning: %s is %s, which this policy was not trained on (it practised %s)\n", p, p.Skill, trainer.Skills(a.cfg.Skills))
	}
	ids := make([]int, len(prompt))
	for i, t := range prompt {
		ids[i] = int(t)
	}
	out, err := a.sampler.Generate([][]int{ids}, maxNew, 0, int(arith.End), nil)
	if err != nil {
		return err
	}
	toks := make([]arith.Token, len(out[0].Tokens))
	probs := make([]string, len(toks))
	for i, t := range out[0].Tokens {
		toks[i] = arith.Token(t)
		probs[i] = fmt.Sprintf("%q %.3f", arith.Render(toks[i:i+1]), math.Exp(float64(out[0].Logp[i])))
	}
	raw := arith.Render(toks)
	form := "least significant digit first"
	if slices.Contains(toks, arith.Minus) {
		form += "; digits before '-' are the ten's complement" // "55-$" is 55-100 = -45
	}
	posed := a.cfg.Pose(p)
	if posed.Work {
		form = "working '=' answer, each " + form // "52540263=572400$": 5*5, 9*5, 5*4, 9*4, then 4275
	}
	v, err := arith.DecodeAnswer(posed.FinalAnswer(toks))
	verdict := "wrong"
	switch {
	case err != nil:
		fmt.Fprintf(a.stdout, "%s = ? (no answer: %v) tokens %q (%s); true answer %d\n", p, err, raw, form, p.Answer)
	default:
		if v == p.Answer {
			verdict = "right"
		}
		fmt.Fprintf(a.stdout, "%s = %d  tokens %q (%s); %s, true answer %d\n", p, v, raw, form, verdict, p.Answer)
	}
	fmt.Fprintf(a.stdout, "  p: %s\n", strings.Join(probs, ", "))
	return nil
}
