package reward

import (
	"mathzero/env/arith"
)

// Builtins returns a fresh registry of the built-in rewards (see the package doc for their
// formulas); the caller may Add to it without affecting other callers.
func Builtins() Registry {
	return Registry{
		"correct": {
			Name:  "correct",
			Doc:   "1 if the answer decodes to the true value, else 0",
			Score: Correct,
			Min:   0, Max: 1,
		},
		"format": {
			Name:  "format",
			Doc:   "1 if the answer is well formed and canonical ([-]digits$, no redundant zeros), else 0",
			Score: Format,
			Min:   0, Max: 1,
		},
		"partial": {
			Name:   "partial",
			Doc:    "fraction of right digits (aligned at the units), sign and End; per-token form marks each right token",
			Score:  Partial,
			Tokens: PartialTokens,
			Min:    0, Max: 1,
		},
	}
}

// Correct is the "correct" reward: 1 if arith.DecodeAnswer(c.Tokens) succeeds and equals
// p.Answer, else 0. Redundant zeros ("040$" for 40) and "-0$" still count as correct.
func Correct(p arith.Problem, c Completion) (float64, bool) {
	v, err := arith.DecodeAnswer(c.Tokens)
	return b2f(err == nil && v == p.Answer), true
}

// Format is the "format" reward: 1 if arith.Canonical(c.Tokens), else 0, whatever the value.
func Format(p arith.Problem, c Completion) (float64, bool) {
	return b2f(arith.Canonical(c.Tokens)), true
}

// truth returns the sign and the digits (least significant first) of p.Answer.
func truth(p arith.Problem) (neg bool, digits []arith.Token) {
	e := arith.EncodeAnswer(p.Answer)
	e = e[:len(e)-1] // drop End
	if p.Answer < 0 {
		return true, e[1:]
	}
	return false, e
}

// Partial is the "partial" reward (d + s + e) / (max(W, T) + 2 + g); see the package doc.
func Partial(p arith.Problem, c Completion) (float64, bool) {
	neg, want := truth(p)
	var right, written, garbage int
	signed, ended := false, false
	for k, t := range c.Tokens {
		switch {
		case ended:
			garbage++
		case t == arith.End:
			ended = true
		case t.IsDigit():
			if written < len(want) && t == want[written] {
				right++
			}
			written++
		case t == arith.Minus && k == 0:
			signed = true
		default:
			garbage++
		}
	}
	num := right + btoi(signed == neg) + btoi(ended && written == len(want))
	den := max(written, len(want)) + 2 + garbage
	return float64(num) / float64(den), true
}

// PartialTokens is the token form of "partial": 1 for each token that was right given the ones
// before it, else 0; see the package doc for the rule and why it credits exactly the token that
// earned it.
func PartialTokens(p arith.Problem, c Completion) []float64 {
	neg, want := truth(p)
	out := make([]float64, len(c.Tokens))
	written := 0 // digit tokens before token k
	ended := false
	for k, t := range c.Tokens {
		switch {
		case ended:
			// After End nothing is right.
		case t == arith.End:
			ended = true
			out[k] = b2f(written == len(want))
		case t.IsDigit():
			right := written < len(want) && t == want[written]
			if k == 0 && neg { // '-' was due here: this token made the sign wrong
				right = false
			}
			out[k] = b2f(right)
			written++
		case t == arith.Minus && k == 0:
			out[k] = b2f(neg)
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
