package trainer

import (
	"fmt"
	"math"

	"mathzero/env/arith"
	"mathzero/reward"
)

// RewardError reports a reward that failed on a completion: it panicked, or returned NaN or an
// infinity (as a score or as a token score). The run stops on it rather than let the value reach
// the advantages, where one NaN would poison every weight through the gradient.
type RewardError struct {
	Reward     string        // the component's name
	Problem    arith.Problem // the problem scored
	Completion string        // the completion's text, e.g. "341$"
	Cause      string        // "panic: ...", "score NaN", "token 2 score +Inf", ...
}

func (e *RewardError) Error() string {
	return fmt.Sprintf("trainer: reward %q failed on %v = %q: %s", e.Reward, e.Problem, e.Completion, e.Cause)
}

// safeScore is mix.Score and mix.TokenScores (when tokens is set) behind a guard: it calls each
// component on its own, recovering a panic, and checks that every applicable score is finite. The
// first failure is returned as a *RewardError naming the component and the completion, and the
// scores are then meaningless.
func safeScore(mix reward.Mix, p arith.Problem, c reward.Completion, tokens bool) (total float64, parts []float64, ok []bool, toks []float64, err error) {
	for _, term := range mix {
		one := reward.Mix{term}
		fail := func(cause string) error {
			return &RewardError{Reward: term.Reward.Name, Problem: p, Completion: c.Text(), Cause: cause}
		}
		var ts []float64
		perr := guard(func() {
			var tot float64
			var ps []float64
			var oks []bool
			tot, ps, oks = one.Score(p, c)
			total += tot
			parts = append(parts, ps[0])
			ok = append(ok, oks[0])
			if tokens && term.Reward.Tokens != nil {
				ts = one.TokenScores(p, c)
			}
		})
		if perr != "" {
			return 0, nil, nil, nil, fail("panic: " + perr)
		}
		if k := len(parts) - 1; ok[k] && !finite(parts[k]) {
			return 0, nil, nil, nil, fail(fmt.Sprintf("score %v", parts[k]))
		}
		for k, x := range ts {
			if !finite(x) {
				return 0, nil, nil, nil, fail(fmt.Sprintf("token %d score %v", k, x))
			}
		}
		if ts != nil {
			if toks == nil {
				toks = make([]float64, len(ts))
			}
			for k, x := range ts {
				toks[k] += x
			}
		}
	}
	return total, parts, ok, toks, nil
}

// guard runs f and returns the value of a panic in it as text, or "" if it returned.
func guard(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
