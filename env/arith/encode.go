package arith

import (
	"fmt"
	"slices"
)

// MaxAnswerDigits is the most digits DecodeAnswer reads: every 18-digit number fits in an int64,
// and no skill's answer needs more than 7. A longer digit run is an error, not a wrap-around.
const MaxAnswerDigits = 18

// Encode returns the prompt of p: BOS, the expression with every operand zero-padded to
// p.Skill.Digits digits (most significant first), then Equals. See the package doc for examples.
// len(Encode(p)) == p.Skill.PromptLen() for every problem built by this package. For a malformed
// Problem the result is unspecified, but it is still made of vocabulary tokens.
func Encode(p Problem) []Token {
	if !p.wellFormed() {
		ts := []Token{BOS}
		for i, x := range p.Operands {
			if i > 0 {
				ts = append(ts, Pad)
			}
			ts = appendPadded(ts, x, 1)
		}
		return append(ts, Equals)
	}
	if p.Columns > 0 {
		return EncodeColumns(p)
	}
	w := p.Skill.Digits
	if p.Skill.PaddedAt(p.Width) {
		w = p.Width
	}
	x := p.Operands
	ts := make([]Token, 0, p.Skill.PromptLen())
	ts = append(ts, BOS)
	switch p.Skill.Kind {
	case Composite:
		ts = append(ts, LParen)
		ts = appendPadded(ts, x[0], w)
		ts = append(ts, p.Ops[0].token())
		ts = appendPadded(ts, x[1], w)
		ts = append(ts, RParen, p.Ops[1].token())
		ts = appendPadded(ts, x[2], w)
	case DigitSum:
		ts = append(ts, DigitSumOp)
		ts = appendPadded(ts, x[0], w)
	default:
		ts = appendPadded(ts, x[0], w)
		ts = append(ts, kindOp(p.Skill.Kind).token())
		ts = appendPadded(ts, x[1], w)
	}
	return append(ts, Equals)
}

// EncodeColumns returns the prompt of an addition or subtraction in the column layout at width
// w = p.Columns: BOS, the first operand's w digits least significant first, the operator, the
// second operand's w digits least significant first, '=': 7+45 at width 4 is "^7000+5400=".
// Digit i of each operand then sits at a fixed distance before answer digit i for every i and
// every problem (2w+2 and w+1 tokens before the token that writes it), so a policy whose
// attention depends on relative positions (model.Config.RoPE) can apply what it learnt about one
// column to every other, and to wider numbers. Encode(p) is EncodeColumns(p) when p.Columns > 0;
// for a problem not in columns EncodeColumns is Encode.
func EncodeColumns(p Problem) []Token {
	if p.Columns <= 0 || !p.wellFormed() {
		q := p
		q.Columns = 0
		return Encode(q)
	}
	w := p.Columns
	ts := make([]Token, 0, 2*w+3)
	ts = append(ts, BOS)
	ts = appendDigitsLSB(ts, uint64(p.Operands[0]), w)
	ts = append(ts, kindOp(p.Skill.Kind).token())
	ts = appendDigitsLSB(ts, uint64(p.Operands[1]), w)
	return append(ts, Equals)
}

// Expected returns the completion every checker compares p's answer with: EncodeAnswer(p.Answer)
// in the natural layout; in columns or at a width w (AtWidth), exactly w+1 digits, least significant
// first, of p.Answer mod 10^(w+1) (ten's complement over w+1 digits for a negative answer), then
// '-' if p.Answer < 0, then End: 7+45 at width 4 is "25000$", 3-5 "89999-$". Every column,
// the last included, is then one step of the same carry or borrow algorithm, and End always
// comes at the same place, so no digit needs to know how long the answer is. DecodeAnswer reads
// it for its value (the redundant zeros and nines are allowed there). A worked problem's
// (Problem.Worked) is its working, '=', then that answer: 95*45 at width 5 is "52540263=572400$".
func Expected(p Problem) []Token {
	n := p.fixedDigits()
	if n == 0 {
		return EncodeAnswer(p.Answer)
	}
	ts := make([]Token, 0, p.AnswerLen())
	if w := ExpectedWork(p); w != nil {
		ts = append(append(ts, w...), Equals)
	}
	return append(appendFixed(ts, p.Answer, n), End) // |Answer| < 10^n
}

// AnswerLen is the most tokens a right answer of p takes, End included: p.Skill.MaxAnswerLen() in
// the natural layout, n+2 for an answer fixed at n digits in columns or at a width (n digits,
// '-', End; n is w+1 for an addition or subtraction at width w, else Skill.AnswerDigits), and
// Skill.WorkLen()+1 more for a worked problem's working and its '='.
func (p Problem) AnswerLen() int {
	if n := p.fixedDigits(); n > 0 {
		if p.Work {
			return p.Skill.WorkLen() + 1 + n + 2
		}
		return n + 2
	}
	return p.Skill.MaxAnswerLen()
}

// fixedDigits is the number of digits of every answer of p posed in columns or at a width
// (Columns+1, or Skill.ShapeAt's: Width+1 for a padded skill, the skill's AnswerDigits for the
// others), or 0 for an answer of its own length.
func (p Problem) fixedDigits() int {
	if p.Columns > 0 {
		return p.Columns + 1
	}
	return p.Skill.digitsAt(p.Width)
}

// WellWritten reports whether ts is written in p's answer form, whatever its value: in the natural
// layout Canonical(ts); in columns or at a width w, exactly w+1 digits, an optional '-', then End;
// for a worked problem, its working in shape (each value's digits, a '-' only where a value may be
// negative), '=', then that answer.
func WellWritten(p Problem, ts []Token) bool {
	n := p.fixedDigits()
	if n == 0 {
		return Canonical(ts)
	}
	if p.Work {
		w, a, ok := p.SplitWork(ts)
		if !ok || !wellWrittenWork(p, w) {
			return false
		}
		ts = a
	}
	if len(ts) < n+1 || len(ts) > n+2 {
		return false
	}
	for _, t := range ts[:n] {
		if !t.IsDigit() {
			return false
		}
	}
	rest := ts[n:]
	return slices.Equal(rest, []Token{End}) || slices.Equal(rest, []Token{Minus, End})
}

// EncodeAnswer returns the canonical answer tokens for answer, least significant digit first.
// A non-negative answer is its digits with no redundant zeros, then End: 143 -> "341$", 0 -> "0$",
// 40 -> "04$". A negative answer is written in ten's complement: the k digits of 10^k + answer,
// for the fewest k >= 1 with 10^k >= |answer|, then Minus, then End: -7 -> "3-$" (10-7),
// -34 -> "66-$" (100-34), -10 -> "0-$", -38097 -> "30916-$" (100000-38097). It is what checkers
// compare a completion with; no code path trains on it.
func EncodeAnswer(answer int) []Token {
	ts := make([]Token, 0, 22)
	if answer >= 0 {
		return append(appendDigitsLSB(ts, uint64(answer), 1), End)
	}
	m := absInt(answer)
	k, p := 1, uint64(10)
	for p < m { // p = 10^k; |math.MinInt| < 10^19 < 2^64, so p cannot overflow
		k++
		p *= 10
	}
	return append(appendDigitsLSB(ts, p-m, k), Minus, End)
}

// appendDigitsLSB appends the decimal digits of u, least significant first, padded with zeros
// to at least k digits.
func appendDigitsLSB(ts []Token, u uint64, k int) []Token {
	for n := 0; n < k || u > 0; n++ {
		ts = append(ts, Token(u%10))
		u /= 10
	}
	return ts
}

// DecodeAnswer reads a completion (the tokens after the prompt, as sampled). It requires 1 to
// MaxAnswerDigits digits (least significant first), then an optional Minus, then End, then
// nothing: a missing End, any other token, or a token after End is an error. n digits of value D
// read as D, or with Minus as D - 10^n (ten's complement, see EncodeAnswer). Redundant digits
// ("040$" for 40, "39-$" for -7) are read for their value; Canonical reports whether ts is
// exactly EncodeAnswer(value).
func DecodeAnswer(ts []Token) (value int, err error) {
	i := 0
	for i < len(ts) && ts[i].IsDigit() {
		i++
	}
	n := i
	neg := i < len(ts) && ts[i] == Minus && n > 0
	if neg {
		i++
	}
	switch {
	case len(ts) == 0:
		return 0, fmt.Errorf("arith: decode answer %q: empty", Render(ts))
	case n > MaxAnswerDigits:
		return 0, fmt.Errorf("arith: decode answer %q: %d digits overflow (at most %d)", Render(ts), n, MaxAnswerDigits)
	case n == 0 && ts[0] == Minus:
		return 0, fmt.Errorf("arith: decode answer %q: %q before the digits (a negative answer is its ten's-complement digits, then %q)", Render(ts), Minus, Minus)
	case n == 0:
		return 0, fmt.Errorf("arith: decode answer %q: no digits at offset 0", Render(ts))
	case i == len(ts):
		return 0, fmt.Errorf("arith: decode answer %q: missing End %q", Render(ts), End)
	case ts[i] != End:
		return 0, fmt.Errorf("arith: decode answer %q: unexpected %q at offset %d", Render(ts), ts[i], i)
	case i+1 != len(ts):
		return 0, fmt.Errorf("arith: decode answer %q: %d tokens after End", Render(ts), len(ts)-i-1)
	}
	for j := n - 1; j >= 0; j-- { // most significant first
		value = 10*value + int(ts[j])
	}
	if neg {
		value -= int(pow10(n)) // n <= 18, so 10^n fits in an int64
	}
	return value, nil
}

// Canonical reports whether ts is exactly EncodeAnswer of the value it decodes to: a well-formed
// answer with no redundant zeros (for a non-negative value) or nines (for a negative one) past its
// most significant digit.
func Canonical(ts []Token) bool {
	v, err := DecodeAnswer(ts)
	return err == nil && slices.Equal(ts, EncodeAnswer(v))
}
