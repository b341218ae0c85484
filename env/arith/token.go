package arith

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Token is one symbol of the policy's vocabulary; Token(i) is Vocab[i].
type Token uint8

// Vocab is the policy's vocabulary, one byte per token: digit d is Token(d).
const Vocab = "0123456789+-*()=#$^."

// The non-digit tokens. Digit d is simply Token(d).
const (
	Plus       Token = 10 + iota // '+'
	Minus                        // '-': subtraction, and the sign of a negative answer
	Times                        // '*'
	LParen                       // '('
	RParen                       // ')'
	Equals                       // '=': ends every prompt
	DigitSumOp                   // '#': prompt marker for "sum of the digits of"
	End                          // '$': ends every answer
	BOS                          // '^': begins every prompt
	Pad                          // '.': fills unused positions in a batch; never sampled meaningfully
)

// VocabSize is the number of tokens, the size of the policy's embedding and output layers.
const VocabSize = len(Vocab)

// Compile-time checks that the named tokens and Vocab agree.
var (
	_ [VocabSize - 20]struct{}
	_ [20 - VocabSize]struct{}
	_ [int(Pad) - (VocabSize - 1)]struct{}
	_ [(VocabSize - 1) - int(Pad)]struct{}
)

// IsDigit reports whether t is one of the digit tokens 0..9.
func (t Token) IsDigit() bool { return t <= 9 }

// String returns the token's character, or "?" for a value outside the vocabulary.
func (t Token) String() string {
	if int(t) >= VocabSize {
		return "?"
	}
	return Vocab[t : t+1]
}

// Render returns the text of ts, one character per token, e.g. "^07+45=". A token outside the
// vocabulary renders as '?', which Tokenize rejects.
func Render(ts []Token) string {
	var b strings.Builder
	b.Grow(len(ts))
	for _, t := range ts {
		if int(t) >= VocabSize {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(Vocab[t])
	}
	return b.String()
}

// Tokenize is the inverse of Render: one token per character of s. A character outside the
// vocabulary (including whitespace) is an error that names it and its byte offset.
func Tokenize(s string) ([]Token, error) {
	ts := make([]Token, 0, len(s))
	for i := 0; i < len(s); {
		if j := strings.IndexByte(Vocab, s[i]); j >= 0 {
			ts = append(ts, Token(j))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		what := fmt.Sprintf("%q", r)
		if r == utf8.RuneError && size == 1 {
			what = fmt.Sprintf("byte %#02x", s[i])
		}
		return nil, fmt.Errorf("arith: tokenize %q: character %s at offset %d is not in the vocabulary %q", s, what, i, Vocab)
	}
	return ts, nil
}

// IDs returns ts as the plain int token ids the model package works in.
func IDs(ts []Token) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = int(t)
	}
	return out
}

// FromIDs returns model token ids as Tokens. An id outside the vocabulary becomes a Token outside
// it too (Render shows it as '?', and every checker treats it as garbage), never the Token its
// low byte names: 266 is not '+'.
func FromIDs(ids []int) []Token {
	out := make([]Token, len(ids))
	for i, x := range ids {
		if x < 0 || x >= VocabSize {
			x = VocabSize
		}
		out[i] = Token(x)
	}
	return out
}
