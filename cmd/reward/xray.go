package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"mathzero/reward"
	"mathzero/trainer"
)

// normNames label the loss normalisations after the papers that use them.
var normNames = [...]string{
	trainer.PerSequence: "GRPO (per sequence)",
	trainer.PerToken:    "DAPO (per token)",
	trainer.Constant:    "Dr. GRPO (constant)",
}

// xray samples one training batch of the checkpoint at path with trainer.XRay and prints it: per
// group the problem, each completion with its per-component rewards and total, the group's mean and
// std, and per answer token its advantage, ratio (with a clip flag) and share of the loss; then the
// loss and its largest token shares under each normalisation. spec "" means the run's own rewards.
func xray(ctx context.Context, w io.Writer, path, spec string, groups int, seed uint64) error {
	policy, cfg, err := trainer.LoadPolicy(path)
	if err != nil {
		return err
	}
	if spec == "" {
		spec = cfg.Rewards
	}
	own := spec == cfg.Rewards
	mix, err := reward.Builtins().ParseSpec(spec)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := trainer.XRay(policy, cfg, mix, groups, seed)
	if err != nil {
		return err
	}
	renderXRay(w, path, spec, own, seed, r)
	return nil
}

func renderXRay(w io.Writer, path, spec string, own bool, seed uint64, r *trainer.XRayReport) {
	c := r.Config
	fmt.Fprintf(w, "X-ray of one training batch of %s: %d groups x G=%d, seed %d, nothing updated\n", path, len(r.Groups), c.G, seed)
	whose := "the run's"
	if !own {
		whose = "from -rewards; the run trained on " + c.Rewards
	}
	credit := "outcome credit: one advantage per completion"
	if r.Process {
		credit = "process credit: advantages per token, centred per answer position"
	}
	fmt.Fprintf(w, "rewards %s (%s); %s\n", spec, whose, credit)
	fmt.Fprintf(w, "loss: norm %s, eps %g, mu %d, beta %g, uniform KL %g, entropy %g\n",
		c.Norm, c.Eps, c.Mu, c.Beta, c.UniformKL, c.EntropyCoef)
	clipped, silent := 0, 0
	for _, g := range r.Groups {
		signal := false
		for _, cp := range g.Completions {
			for _, x := range cp.Tokens {
				if x.Clipped {
					clipped++
				}
				signal = signal || x.Adv != 0
			}
		}
		if !signal {
			silent++
		}
	}
	fmt.Fprintf(w, "ratio pi/pi_old: Sampler.LogProbs on the same weights vs the sampling log-probs, max |diff| %.1e over %d tokens (at mu=1 they agree to rounding, ratio 1); %d clipped\n",
		r.MaxLogpDiff, r.Tokens, clipped)
	fmt.Fprintln(w, "answers are written least significant digit first (a negative one in ten's complement, then '-'); token cells: token advantage ratio(* clipped) share of the loss")

	for gi, g := range r.Groups {
		fmt.Fprintf(w, "\ngroup %d: %v = %d   R mean %.3f  std %.3f\n", gi+1, g.Problem, g.Problem.Answer, g.Mean, g.Std)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := []string{"  #", "answer"}
		for k, name := range r.Rewards {
			head = append(head, fmt.Sprintf("%s*%g", name, r.Weights[k]))
		}
		fmt.Fprintln(tw, strings.Join(append(head, "R", "tokens"), "\t"))
		for ci, cp := range g.Completions {
			row := []string{fmt.Sprintf("  %d", ci+1), cp.Text}
			for k, v := range cp.Parts {
				if cp.PartOK[k] {
					row = append(row, fmt.Sprintf("%.3f", v))
				} else {
					row = append(row, "n/a")
				}
			}
			row = append(row, fmt.Sprintf("%.3f", cp.Total))
			for _, x := range cp.Tokens {
				flag := ""
				if x.Clipped {
					flag = "*"
				}
				row = append(row, fmt.Sprintf("%s %+.2f r%.3f%s %4.1f%%", x.Text, x.Adv, x.Ratio, flag, 100*x.Share))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
	}

	fmt.Fprintf(w, "\nthe same rollouts under each loss normalisation (* the run's); top shares as group.completion[token]:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	rows := [][]string{{""}, {"loss -J"}, {"  policy gradient"}, {"  KL, entropy"}}
	top := 0
	for _, n := range r.Norms {
		top = max(top, len(n.Top))
	}
	for k := range top {
		rows = append(rows, []string{fmt.Sprintf("top %d", k+1)})
	}
	for _, n := range r.Norms {
		name := normNames[n.Norm]
		if n.Norm == c.Norm {
			name += " *"
		}
		rows[0] = append(rows[0], name)
		rows[1] = append(rows[1], num(n.Loss))
		rows[2] = append(rows[2], num(n.PG))
		rows[3] = append(rows[3], num(n.Loss-n.PG))
		for k := range top {
			cell := ""
			if k < len(n.Top) {
				s := n.Top[k]
				tok := r.Groups[s.Group].Completions[s.Completion].Tokens[s.Token].Text
				cell = fmt.Sprintf("%d.%d[%d] %q %.1f%%", s.Group+1, s.Completion+1, s.Token, tok, 100*s.Share)
			}
			rows[4+k] = append(rows[4+k], cell)
		}
	}
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d groups carry no signal (every advantage 0).\n", silent, len(r.Groups))
	fmt.Fprintln(w, "The policy-gradient part of the loss is near 0 by construction (advantages are centred in each group; at ratio 1")
	fmt.Fprintln(w, "under per-token weights exactly 0), but its gradient sum w*A*grad log pi is not, wherever a group has signal:")
	fmt.Fprintln(w, "the loss value says little about learning, the advantages and shares above do.")
	if silent == len(r.Groups) {
		fmt.Fprintln(w, "Here no group has signal: only the KL and entropy terms would move the policy this step.")
	}
	if math.IsNaN(r.Loss) {
		fmt.Fprintln(w, "warning: the loss is NaN")
	}
}

// num formats a loss term, printing a rounding residue as 0 rather than -0.000000.
func num(v float64) string {
	if math.Abs(v) < 5e-7 {
		v = 0
	}
	return fmt.Sprintf("%+.6f", v)
}
