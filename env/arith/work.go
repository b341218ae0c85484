package arith

import (
	"fmt"
	"slices"
)

// workShape is the working a worked problem of skill s writes before its answer (Problem.Worked):
// values intermediate results, each in digits digits least significant first (ten's complement,
// then '-', where signed and negative). It is (0, 0, false) for a skill with no working.
//
//	mul2   four one-digit products x0*y0, x1*y0, x0*y1, x1*y1, two digits each
//	comp1  the first result a op b, two digits and a sign slot (-9 is "19-")
//
// Each value is a fact the policy can look up from two operand digits, and the answer is then a
// sum of them (mul2: column k adds the products whose digits land in it, with a carry) or one
// operation on a written number and c (comp1), where the answer written straight needs a chain
// of facts and carries in a single token.
func (s Skill) workShape() (values, digits int, signed bool) {
	if s.Validate() != nil {
		return 0, 0, false
	}
	switch {
	case s.Kind == Mul && s.Digits == 2:
		return 4, 2, false
	case s.Kind == Composite:
		return 1, 2, true
	}
	return 0, 0, false
}

// WorkLen is the most tokens the working of a worked problem of skill s takes before the '=' that
// ends it (Problem.Worked): 8 for mul2, 3 for comp1, 0 for a skill with no working.
func (s Skill) WorkLen() int {
	v, d, signed := s.workShape()
	return v * (d + btoi(signed))
}

// work returns the intermediate results of a worked problem, in the order they are written.
func (p Problem) work() []int {
	x := p.Operands
	switch p.Skill.Kind {
	case Mul:
		x0, x1, y0, y1 := x[0]%10, x[0]/10, x[1]%10, x[1]/10
		return []int{x0 * y0, x1 * y0, x0 * y1, x1 * y1}
	case Composite:
		return []int{p.Ops[0].apply(x[0], x[1])}
	}
	return nil
}

// Worked returns p posed at its width with its working written before the answer (p.Worked): the
// intermediate results of Skill.WorkLen's shape, then '=', then the answer as AtWidth writes it.
// 95*45 at width 5 (prompt "^00095*00045=") is answered "52540263=572400$": 5*5 = 25, 9*5 = 45,
// 5*4 = 20 and 9*4 = 36, then 4275; (4-7)-3 is answered "79-=499-$" (-3, then -6). A policy
// rewarded for each right token of the working (reward "partial") is given credit for the steps
// as well as the result, a process reward that still checks only what it sampled. It is an error
// for p not to be posed at a width (AtWidth) or for its skill to have no working (WorkLen 0).
func (p Problem) Worked() (Problem, error) {
	switch {
	case !p.wellFormed():
		return Problem{}, fmt.Errorf("arith: work %v: malformed problem", p)
	case p.Width == 0:
		return Problem{}, fmt.Errorf("arith: work %v: not posed at a width (the working needs a fixed-length answer)", p)
	case p.Skill.WorkLen() == 0:
		return Problem{}, fmt.Errorf("arith: work %v: %v has no working (only mul2 and comp1 do)", p, p.Skill)
	}
	q := p.clone()
	q.Work = true
	return q, nil
}

// appendFixed appends v in exactly n digits, least significant first: v mod 10^n, in ten's
// complement for a negative v (|v| < 10^n), then '-' if v < 0.
func appendFixed(ts []Token, v, n int) []Token {
	u := uint64(v)
	if v < 0 {
		u = uint64(pow10(n)) - absInt(v)
	}
	ts = appendDigitsLSB(ts, u, n)
	if v < 0 {
		ts = append(ts, Minus)
	}
	return ts
}

// FinalAnswer returns the part of a completion ts of p that holds the answer: for a worked problem
// (p.Work) the tokens after the first '=', or nil if there is none; for any other problem ts
// itself. DecodeAnswer(p.FinalAnswer(ts)) is the value the completion gives.
func (p Problem) FinalAnswer(ts []Token) []Token {
	_, answer, _ := p.SplitWork(ts)
	return answer
}

// SplitWork splits a completion ts of a worked problem at its first '=': the working before it,
// the answer after it, and whether there is one. For any other problem it returns nil, ts, false.
func (p Problem) SplitWork(ts []Token) (work, answer []Token, ok bool) {
	if !p.Work {
		return nil, ts, false
	}
	if i := slices.Index(ts, Equals); i >= 0 {
		return ts[:i], ts[i+1:], true
	}
	return ts, nil, false
}

// ExpectedWork is the working a worked problem's completion should write before its '=', each
// intermediate result in its fixed number of digits (nil for a problem that is not worked, or is
// malformed): Expected(p) is ExpectedWork(p), '=', then the answer.
func ExpectedWork(p Problem) []Token {
	if !p.Work || !p.wellFormed() {
		return nil
	}
	_, d, _ := p.Skill.workShape()
	ts := make([]Token, 0, p.Skill.WorkLen())
	for _, v := range p.work() {
		ts = appendFixed(ts, v, d)
	}
	return ts
}

// wellWrittenWork reports whether w is written in the shape of p's working: each value its
// digits, then '-' only where the value may be negative.
func wellWrittenWork(p Problem, w []Token) bool {
	values, d, signed := p.Skill.workShape()
	for range values {
		if len(w) < d {
			return false
		}
		for _, t := range w[:d] {
			if !t.IsDigit() {
				return false
			}
		}
		w = w[d:]
		if signed && len(w) > 0 && w[0] == Minus {
			w = w[1:]
		}
	}
	return len(w) == 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
