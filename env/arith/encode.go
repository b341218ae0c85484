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
	w := p.Skill.Digits
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

// EncodeWidth is Encode with addition and subtraction operands padded to at least w digits
// (Skill.Widen): EncodeWidth(7+45, 4) is "^0007+0045=". The problem's answer, and so the answer
// written, is unchanged. w <= 0, or a problem of another kind, gives Encode(p).
func EncodeWidth(p Problem, w int) []Token {
	if s := p.Skill.Widen(w); s != p.Skill {
		if q, err := p.WithDigits(s.Digits); err == nil {
			return Encode(q)
		}
	}
	return Encode(p)
}

// EncodeAnswer returns the canonical answer tokens for answer: Minus if it is negative, the digits
// of |answer| least significant first with no redundant zeros, then End. 143 -> "341$",
// -38097 -> "-79083$", 0 -> "0$", 40 -> "04$". It is what checkers compare a completion with; no
// code path trains on it.
func EncodeAnswer(answer int) []Token {
	ts := make([]Token, 0, 21)
	if answer < 0 {
		ts = append(ts, Minus)
	}
	u := absInt(answer)
	for {
		ts = append(ts, Token(u%10))
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(ts, End)
}

// DecodeAnswer reads a completion (the tokens after the prompt, as sampled). It requires an
// optional Minus, then 1 to MaxAnswerDigits digits (least significant first), then End, then
// nothing: a missing End, any other token, or a token after End is an error. Zeros past the most
// significant digit ("040$") are read for their value (40); Canonical reports whether ts is exactly
// EncodeAnswer(value). "-0$" decodes to 0 (not canonical).
func DecodeAnswer(ts []Token) (value int, err error) {
	i := 0
	if len(ts) > 0 && ts[0] == Minus {
		i++
	}
	start := i
	for i < len(ts) && ts[i].IsDigit() {
		i++
	}
	n := i - start
	switch {
	case len(ts) == 0:
		return 0, fmt.Errorf("arith: decode answer %q: empty", Render(ts))
	case n > MaxAnswerDigits:
		return 0, fmt.Errorf("arith: decode answer %q: %d digits overflow (at most %d)", Render(ts), n, MaxAnswerDigits)
	case n == 0:
		return 0, fmt.Errorf("arith: decode answer %q: no digits at offset %d", Render(ts), start)
	case i == len(ts):
		return 0, fmt.Errorf("arith: decode answer %q: missing End %q", Render(ts), End)
	case ts[i] != End:
		return 0, fmt.Errorf("arith: decode answer %q: unexpected %q at offset %d", Render(ts), ts[i], i)
	case i+1 != len(ts):
		return 0, fmt.Errorf("arith: decode answer %q: %d tokens after End", Render(ts), len(ts)-i-1)
	}
	for j := i - 1; j >= start; j-- { // most significant first
		value = 10*value + int(ts[j])
	}
	if start == 1 {
		value = -value
	}
	return value, nil
}

// Canonical reports whether ts is exactly EncodeAnswer of the value it decodes to: a well-formed
// answer with no zeros past its most significant digit and no "-0".
func Canonical(ts []Token) bool {
	v, err := DecodeAnswer(ts)
	return err == nil && slices.Equal(ts, EncodeAnswer(v))
}
