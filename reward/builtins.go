package reward

import (
	"math"

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
			Doc:   "1 if the answer is well formed and canonical (digits[-]$, no redundant zeros or nines), else 0",
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
		"closeness": {
			Name:  "closeness",
			Doc:   "1/(1+|got-want|/max(1,|want|)) for a well-formed answer, else 0",
			Score: Closeness,
			Min:   0, Max: 1,
		},
		"length": {
			Name:  "length",
			Doc:   "DAPO soft overlong penalty: 0 up to MaxAnswerLen tokens, linearly down to -1 at twice that, -1 beyond",
			Score: Length,
			Min:   -1, Max: 0,
		},
		"sign": {
			Name:  "sign",
			Doc:   "1 if the answer writes digits, then '-' iff the answer is negative; n/a unless sub or comp",
			Score: Sign,
			Min:   0, Max: 1,
		},
		"think": {
			Name:  "think",
			Doc:   "R1-Zero reasoning-in-tags format reward; n/a on every completion: the 20-symbol vocabulary has no tags",
			Score: Think,
			Min:   0, Max: 1,
		},
	}
}

// Closeness is the "closeness" reward: credit that falls with the relative error of the value
// written,
//
//	closeness = 1 / (1 + |got - want| / max(1, |want|))
//
// where got = arith.DecodeAnswer(c) and want = p.Answer; 0 if c does not decode. It is 1 for a
// correct value (redundant digits included), 1/2 when the error is as large as the answer, and
// tends to 0 as the error grows; the max(1, .) keeps an answer of 0 from dividing by zero.
// Unlike partial, it credits being near in value, not right digit by digit: 142 for 143 scores
// about 0.993, 243 about 0.59.
func Closeness(p arith.Problem, c Completion) (float64, bool) {
	got, err := arith.DecodeAnswer(p.FinalAnswer(c.Tokens))
	if err != nil {
		return 0, true
	}
	want := float64(p.Answer)
	rel := math.Abs(float64(got)-want) / math.Max(1, math.Abs(want))
	return 1 / (1 + rel), true
}

// Length is the "length" reward, DAPO's soft overlong punishment (Yu et al. 2025, eq. 13) with
// L_max - L_cache = M = p.AnswerLen() (the longest answer the problem's skill and layout need,
// End included) and L_cache = M, so L_max = 2M. With n = len(c.Tokens), every token written,
//
//	length = 0               if n <= M
//	         (M - n) / M     if M < n <= 2M
//	         -1              if n > 2M
//
// A correct answer never pays, so the penalty only pushes against rambling past the longest
// answer. The trainer caps completions at the longest answer of its skills (Config.SkillShape),
// so the penalty bites only where easier and harder skills train together.
func Length(p arith.Problem, c Completion) (float64, bool) {
	m := p.AnswerLen()
	if m <= 0 { // an invalid skill: every completion is too long
		return -1, true
	}
	n := len(c.Tokens)
	switch {
	case n <= m:
		return 0, true
	case n <= 2*m:
		return float64(m-n) / float64(m), true
	}
	return -1, true
}

// Sign is the "sign" reward: 1 if c writes a digit before its first End and writes the sign
// exactly when p.Answer is negative, else 0. The sign is read as partial reads it (see
// readAnswer): a '-' directly after a digit and directly before the first End, or ending a
// completion that has no End. An empty completion, or one with no digit before End, scores 0. It
// applies (ok) only to subtractions and composites, the kinds whose answer can be negative;
// elsewhere it is not applicable.
func Sign(p arith.Problem, c Completion) (float64, bool) {
	if k := p.Skill.Kind; k != arith.Sub && k != arith.Composite {
		return 0, false
	}
	a := readAnswer(p.FinalAnswer(c.Tokens))
	return b2f(len(a.digits) > 0 && a.signed == (p.Answer < 0)), true
}

// Think is the "think" reward, DeepSeek-R1-Zero's format reward for reasoning inside
// <think>...</think> before the answer. mathzero's 20-symbol vocabulary (arith.Vocab) has no tag
// characters and no pattern that could be reserved for them without colliding with answers, so
// Think is not applicable (ok=false) on every completion: it is registered so that a spec from a
// larger vocabulary reads, and a Mix that uses it is told (cmd/reward flags it as constant).
func Think(p arith.Problem, c Completion) (float64, bool) {
	return 0, false
}

// Correct is the "correct" reward: 1 if arith.DecodeAnswer(p.FinalAnswer(c.Tokens)) succeeds and
// equals p.Answer, else 0. Redundant digits ("040$" for 40, "39-$" for -7) still count as correct,
// and so does a right answer after wrong working.
func Correct(p arith.Problem, c Completion) (float64, bool) {
	v, err := arith.DecodeAnswer(p.FinalAnswer(c.Tokens))
	return b2f(err == nil && v == p.Answer), true
}

// Format is the "format" reward: 1 if arith.WellWritten(p, c.Tokens) (arith.Canonical in the
// natural layout), else 0, whatever the value.
func Format(p arith.Problem, c Completion) (float64, bool) {
	return b2f(arith.WellWritten(p, c.Tokens)), true
}

// truth returns the sign of p.Answer and the digits of its expected answer, arith.Expected
// without the working (least significant first; ten's complement for a negative one).
func truth(p arith.Problem) (neg bool, digits []arith.Token) {
	e := arith.Expected(p)
	if w := arith.ExpectedWork(p); w != nil {
		e = e[len(w)+1:] // drop the working and its '='
	}
	e = e[:len(e)-1] // drop End
	if p.Answer < 0 {
		return true, e[:len(e)-1] // drop '-'
	}
	return false, e
}

// answer is a completion read as partial reads it.
type answer struct {
	digits  []arith.Token // the digit tokens before the first End, least significant first
	signed  bool          // the sign was written
	ended   bool          // there is an End
	garbage int           // tokens before End other than the digits and the sign, and all after it
}

// readAnswer reads c up to its first End. The sign is a '-' written directly after a digit and
// directly before that End (or last, if c has no End), where a well-formed answer has it; any
// other '-' is garbage, and digits on either side of one still count, so that on a problem with
// a non-negative answer a stray '-' is charged like any other stray token.
func readAnswer(c []arith.Token) answer {
	var a answer
	body := c
	for i, t := range c {
		if t == arith.End {
			body, a.ended, a.garbage = c[:i], true, len(c)-i-1
			break
		}
	}
	if n := len(body); n >= 2 && body[n-1] == arith.Minus && body[n-2].IsDigit() {
		body, a.signed = body[:n-1], true
	}
	for _, t := range body {
		if t.IsDigit() {
			a.digits = append(a.digits, t)
		} else {
			a.garbage++
		}
	}
	return a
}

// Partial is the "partial" reward (d + s + e) / (max(W, T) + 2 + g); see the package doc. For a
// worked problem (arith.Problem.Worked) the working's right tokens and its '=' count too:
// (v + q + d + s + e) / (max(V, U) + 1 + max(W, T) + 2 + g), v of the V tokens written before the
// first '=' matching the U expected there, q = 1 if that '=' comes after exactly U tokens.
func Partial(p arith.Problem, c Completion) (float64, bool) {
	work, ans, eq := p.SplitWork(c.Tokens)
	num, den := 0, 0
	if p.Work {
		want := arith.ExpectedWork(p)
		for i, t := range work {
			if i < len(want) && t == want[i] {
				num++
			}
		}
		num += btoi(eq && len(work) == len(want))
		den += max(len(work), len(want)) + 1
	}
	n, d := partialAnswer(p, ans)
	return float64(num+n) / float64(den+d), true
}

// partialAnswer is the numerator and denominator of "partial" on the answer part of a completion.
func partialAnswer(p arith.Problem, c []arith.Token) (num, den int) {
	neg, want := truth(p)
	a := readAnswer(c)
	right := 0
	for i, t := range a.digits {
		if i < len(want) && t == want[i] {
			right++
		}
	}
	w := len(a.digits)
	num = right + btoi(a.signed == neg) + btoi(a.ended && w == len(want))
	den = max(w, len(want)) + 2 + a.garbage
	return num, den
}

// PartialTokens is the token form of "partial": 1 for each token that was right given the ones
// before it, else 0; see the package doc for the rule and why it credits exactly the token that
// earned it. In a worked problem's working, a token is right if it is the expected one at its
// place, and the first '=' if it comes where the working ends.
func PartialTokens(p arith.Problem, c Completion) []float64 {
	out := make([]float64, len(c.Tokens))
	ts := c.Tokens
	if p.Work {
		work, ans, eq := p.SplitWork(ts)
		want := arith.ExpectedWork(p)
		for i, t := range work {
			out[i] = b2f(i < len(want) && t == want[i])
		}
		if !eq {
			return out
		}
		out[len(work)] = b2f(len(work) == len(want))
		partialAnswerTokens(p, ans, out[len(work)+1:])
		return out
	}
	partialAnswerTokens(p, ts, out)
	return out
}

// partialAnswerTokens writes PartialTokens' credit for the answer part c of a completion into out.
func partialAnswerTokens(p arith.Problem, c []arith.Token, out []float64) {
	neg, want := truth(p)
	written := 0 // digit tokens before token k
	for k, t := range c {
		afterDigit := k > 0 && c[k-1].IsDigit()
		switch {
		case t == arith.End:
			// The sign is the '-' just before End; for a negative answer written with all its
			// digits and no sign, '-' was due here.
			signed := k >= 2 && c[k-1] == arith.Minus && c[k-2].IsDigit()
			out[k] = b2f(written == len(want) && (signed || !neg))
			return // after End nothing is right
		case t.IsDigit():
			out[k] = b2f(written < len(want) && t == want[written])
			written++
		case t == arith.Minus && afterDigit:
			// Right only where the sign is due; End, next, makes it the sign.
			out[k] = b2f(neg && written == len(want))
		}
	}
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
