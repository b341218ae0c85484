// Package reward scores what the policy writes: automated checkers of a completion against the
// true answer of an arith.Problem, and their weighted composition. These scores are the only
// learning signal of mathzero's reinforcement learner; nothing here is a training target.
//
// # Rewards
//
// A Reward is a named, documented function of (problem, completion) with a declared range. Its
// Score is an outcome reward: one number for the whole completion, as in DeepSeek-R1-Zero's
// accuracy and format rewards. Score may answer ok=false, "not applicable" (TRL's None), and the
// component is then left out of sums and means. A Reward may also have a Tokens form, a process
// reward: one score per completion token, so that a per-token advantage can tell each token
// whether it was right.
//
// # Composition
//
// A Mix is a weighted list of rewards, parsed from a spec such as "correct=1,format=0.1" against a
// Registry (Builtins, plus anything added with Registry.Add). For a problem p and completion c,
//
//	total(p, c)    = sum_i w_i * score_i(p, c)      over the components with ok
//	tokens(p, c)_k = sum_i w_i * tokens_i(p, c)_k   over the components with a Tokens form
//
// and every component's raw score is reported under its own name so that each can be logged.
//
// # Built-ins
//
// Let E = arith.Expected(p) be the expected answer: its T true digits least significant first (of
// p.Answer, or for a negative answer of its ten's complement 10^T + p.Answer), then '-' if
// p.Answer < 0, then End. In the natural layout E is arith.EncodeAnswer(p.Answer), with no
// redundant digits; for a problem posed in columns of width w (p.Columns), T = w+1.
//
//	correct  1 if arith.DecodeAnswer(c) succeeds and equals p.Answer, else 0.
//	format   1 if arith.WellWritten(p, c): in the natural layout arith.Canonical(c) (digits,
//	         optional '-', End, nothing after, no redundant zeros or nines); in columns, T
//	         digits, optional '-', End. It does not look at the value.
//	partial  (d + s + e) / (max(W, T) + 2 + g), where, reading c up to its first End, the
//	         sign is a '-' written directly after a digit and directly before that End (or
//	         last, if c has no End), where E has it; W is the number of digit tokens written,
//	         and d the number of digit positions i < min(W, T) whose written digit i (counted
//	         among digit tokens, least significant first, so aligned at the units) equals true
//	         digit i; s = 1 if the sign is right (c writes the sign iff p.Answer < 0); e = 1 if
//	         c has an End and W == T; g counts the garbage: tokens before End other than the
//	         digits and the sign (any other '-' among them), and every token after End.
//	         It is 1 exactly when c == E, and gives partial credit for each right digit.
//	closeness  1 / (1 + |got - want| / max(1, |want|)) with got = arith.DecodeAnswer(c) and
//	         want = p.Answer; 0 if c does not decode. Credit for being near in value.
//	length   DAPO's soft overlong penalty with M = p.AnswerLen() and n = len(c):
//	         0 if n <= M, (M - n)/M if M < n <= 2M, -1 beyond. Range [-1, 0].
//	sign     1 if c writes a digit before its first End, and the sign (read as partial reads
//	         it) iff p.Answer < 0, else 0; not applicable unless the problem is a subtraction or
//	         a composite.
//	think    R1-Zero's reasoning-in-tags format reward: not applicable on every completion,
//	         because the 20-symbol vocabulary has no tag characters.
//
// partial also has a token form, the learning signal that tells each answer token whether it was
// right. Token k of c scores, reading left to right:
//
//	after the first End:  0
//	the first End:        1 if T digits came before it and, for a negative answer, the token
//	                      before it is a '-' directly after a digit (else '-' was due here),
//	                      else 0
//	a '-' after a digit:  1 if p.Answer < 0 and T digits came before it (the sign is due, and
//	                      End next makes it the sign), else 0
//	a digit:              1 if it is the j-th digit token written (j from 0), j < T and it equals
//	                      true digit j
//	anything else:        0 (BOS, Pad, '(', '=', a '-' not after a digit, ...)
//
// The score of token k depends only on tokens 0..k and the truth, never on later tokens, so a
// per-token advantage built from it credits exactly the token that earned it. Digits are indexed
// among digit tokens, so they stay aligned at the units: a garbage token costs that one token's
// credit and does not shift the judgement of the digits after it; on a problem whose answer is not
// negative, a '-' anywhere is such a token. The sign decision is charged to the token that made
// it: a spurious '-' scores 0 and End after it is judged only by the digit count; a missing one
// is charged to the End written where it was due. A canonical correct answer
// scores 1 at every token; a single wrong digit scores 0 at exactly that token.
//
// # Worked problems
//
// A worked problem (p.Work, arith.Problem.Worked) is answered with its working, then '=', then
// the answer (arith.Problem.SplitWork). correct, closeness and sign read only the answer,
// c' = p.FinalAnswer(c), the tokens after the first '=', in place of c; format and length read c
// whole (arith.WellWritten and p.AnswerLen know the working). partial judges c' as above and adds
// the working: (v + q + d + s + e) / (max(V, U) + 1 + max(W, T) + 2 + g), where V tokens are
// written before the first '=', v of them equal arith.ExpectedWork(p) at their place (U tokens),
// and q = 1 if that '=' comes after exactly U of them. In its token form each token of the
// working scores 1 if it is the expected one at its place, the first '=' scores q, and the
// answer's tokens score as above; with no '=', only the working is judged.
package reward

import (
	"mathzero/env/arith"
)

// Completion is what the policy wrote after the prompt, as sampled: it may lack End (truncated at
// the length limit) and may contain any token of the vocabulary.
type Completion struct {
	Tokens []arith.Token
}

// Text renders the completion, e.g. "341$".
func (c Completion) Text() string { return arith.Render(c.Tokens) }

// Func scores a completion of a problem (an outcome reward). ok=false means "not applicable":
// the component is skipped in sums and means, like a None from a TRL reward function.
type Func func(p arith.Problem, c Completion) (score float64, ok bool)

// TokenFunc is a process reward: one score per completion token, len == len(c.Tokens).
type TokenFunc func(p arith.Problem, c Completion) []float64

// Reward is a named checker.
type Reward struct {
	Name     string    // key in a Registry and in specs; letters, digits, '_' and '-'
	Doc      string    // one line, shown in listings and errors
	Score    Func      // the outcome reward; required
	Tokens   TokenFunc // optional per-token form (a process reward); nil for outcome-only
	Min, Max float64   // declared range of Score (and of each token score)
}
