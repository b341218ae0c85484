package arith

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseQuestion parses a question in symbolic form ("98+45", "98 + 45", "(9+8)*2", "#8606") or in
// one of GPT-3's English forms ("What is 98 plus 45?", "What is 40649 minus 78746?", "What is 95
// times 45?", "What is (9 + 8) * 2?", "What is the sum of the digits of the number 8606?").
//
// The grammar, with ASCII spaces, tabs and newlines allowed between tokens and around the whole:
//
//	question = ["What is"] expr ["?" | "="]
//	expr     = num op num | "(" num op num ")" op num | "#" num
//	         | "the sum of the digits of" ["the number"] num
//	op       = "+" | "-" | "*" | "plus" | "minus" | "times"
//	num      = one or more ASCII digits
//
// Words are matched without regard to case. Leading zeros in a number are allowed and ignored
// ("#0086" is #86). The skill is the narrowest that fits: Digits is the width of the widest
// operand, so "5 plus 25" is add2; comp1 and dsum4 have fixed widths. Anything else is an error
// that quotes the input: a negative operand ("-5+3", "-0"), an operand wider than its kind allows
// (add and sub 6 digits, mul 2, comp 1, dsum 4), a missing operand, trailing garbage, "12abc", a
// non-ASCII digit, an empty question.
func ParseQuestion(q string) (Problem, error) {
	p, err := parseQuestion(q)
	if err != nil {
		return Problem{}, fmt.Errorf("arith: parse question %q: %w", q, err)
	}
	return p, nil
}

func parseQuestion(q string) (Problem, error) {
	s := strings.Trim(q, spaces)
	if s == "" {
		return Problem{}, errors.New("empty question")
	}
	if rest, ok := cutWord(s, "what is"); ok {
		s = rest
	}
	if strings.HasSuffix(s, "?") || strings.HasSuffix(s, "=") {
		s = strings.TrimRight(s[:len(s)-1], spaces)
	}
	if rest, ok := cutWord(s, "the sum of the digits of"); ok {
		if r, ok := cutWord(rest, "the number"); ok {
			rest = r
		}
		s = "#" + rest
	}
	toks, err := lex(s)
	if err != nil {
		return Problem{}, err
	}
	if len(toks) == 0 {
		return Problem{}, errors.New("no expression")
	}
	ps := parser{toks: toks}
	var kind Kind
	var nums []string
	var ops []Op
	switch toks[0].kind {
	case tokHash:
		ps.i = 1
		kind = DigitSum
		nums = append(nums, ps.num())
	case tokLParen:
		ps.i = 1
		kind = Composite
		nums = append(nums, ps.num())
		ops = append(ops, ps.op())
		nums = append(nums, ps.num())
		ps.expect(tokRParen, "')'")
		ops = append(ops, ps.op())
		nums = append(nums, ps.num())
	default:
		nums = append(nums, ps.num())
		op := ps.op()
		nums = append(nums, ps.num())
		kind = map[Op]Kind{OpAdd: Add, OpSub: Sub, OpMul: Mul}[op]
	}
	if ps.err == nil && ps.i < len(toks) {
		ps.err = fmt.Errorf("unexpected %s after the expression", toks[ps.i])
	}
	if ps.err != nil {
		return Problem{}, ps.err
	}
	operands := make([]int, len(nums))
	width := kind.MinDigits()
	for i, text := range nums {
		digits := strings.TrimLeft(text, "0")
		if digits == "" {
			digits = "0"
		}
		if len(digits) > kind.MaxDigits() {
			return Problem{}, fmt.Errorf("operand %s has %d digits; %v problems allow at most %d", text, len(digits), kind, kind.MaxDigits())
		}
		x, err := strconv.Atoi(digits)
		if err != nil { // unreachable: at most 6 ASCII digits
			return Problem{}, fmt.Errorf("operand %s: %w", text, err)
		}
		operands[i] = x
		width = max(width, len(digits))
	}
	return NewProblem(Skill{kind, width}, operands, ops)
}

// spaces is the whitespace ParseQuestion allows between and around tokens.
const spaces = " \t\r\n"

// cutWord removes a leading phrase from s, matching ASCII case-insensitively and treating every
// space in phrase as one or more whitespace characters. The phrase must end at a non-letter. It
// returns the rest of s with leading whitespace removed.
func cutWord(s, phrase string) (string, bool) {
	for _, w := range strings.Fields(phrase) {
		if len(s) < len(w) || !strings.EqualFold(s[:len(w)], w) {
			return s, false
		}
		s = s[len(w):]
		if s != "" && isLetter(s[0]) {
			return s, false
		}
		s = strings.TrimLeft(s, spaces)
	}
	return s, true
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

type tokKind uint8

const (
	tokNum tokKind = iota
	tokOp
	tokLParen
	tokRParen
	tokHash
)

type qtoken struct {
	kind tokKind
	text string // as written
	op   Op     // for tokOp
}

func (t qtoken) String() string { return strconv.Quote(t.text) }

var words = map[string]Op{"plus": OpAdd, "minus": OpSub, "times": OpMul}

// lex splits a question body into numbers, operators (symbols or words), parentheses and '#'.
func lex(s string) ([]qtoken, error) {
	var toks []qtoken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case strings.IndexByte(spaces, c) >= 0:
			i++
		case isDigit(c):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			toks = append(toks, qtoken{kind: tokNum, text: s[i:j]})
			i = j
		case isLetter(c):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			op, ok := words[strings.ToLower(s[i:j])]
			if !ok {
				return nil, fmt.Errorf("unknown word %q", s[i:j])
			}
			toks = append(toks, qtoken{kind: tokOp, text: s[i:j], op: op})
			i = j
		case c == '+' || c == '-' || c == '*':
			toks = append(toks, qtoken{kind: tokOp, text: s[i : i+1], op: Op(c)})
			i++
		case c == '(':
			toks = append(toks, qtoken{kind: tokLParen, text: "("})
			i++
		case c == ')':
			toks = append(toks, qtoken{kind: tokRParen, text: ")"})
			i++
		case c == '#':
			toks = append(toks, qtoken{kind: tokHash, text: "#"})
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, fmt.Errorf("unexpected byte %#02x", c)
			}
			return nil, fmt.Errorf("unexpected character %q", r)
		}
	}
	return toks, nil
}

// parser walks the tokens; the first error sticks and later calls do nothing.
type parser struct {
	toks []qtoken
	i    int
	err  error
}

func (ps *parser) num() string {
	if ps.err != nil {
		return ""
	}
	if ps.i >= len(ps.toks) {
		ps.err = errors.New("missing operand at the end")
		return ""
	}
	t := ps.toks[ps.i]
	if t.kind == tokNum {
		ps.i++
		return t.text
	}
	if t.kind == tokOp && t.op == OpSub && ps.i+1 < len(ps.toks) && ps.toks[ps.i+1].kind == tokNum {
		ps.err = fmt.Errorf("negative operand %s%s is not supported", t.text, ps.toks[ps.i+1].text)
		return ""
	}
	ps.err = fmt.Errorf("expected a number, found %s", t)
	return ""
}

func (ps *parser) op() Op {
	if ps.err != nil {
		return OpAdd
	}
	if ps.i >= len(ps.toks) {
		ps.err = errors.New("missing operator at the end")
		return OpAdd
	}
	t := ps.toks[ps.i]
	if t.kind != tokOp {
		ps.err = fmt.Errorf("expected an operator (+ - * plus minus times), found %s", t)
		return OpAdd
	}
	ps.i++
	return t.op
}

func (ps *parser) expect(k tokKind, what string) {
	if ps.err != nil {
		return
	}
	if ps.i >= len(ps.toks) {
		ps.err = fmt.Errorf("missing %s at the end", what)
		return
	}
	if ps.toks[ps.i].kind != k {
		ps.err = fmt.Errorf("expected %s, found %s", what, ps.toks[ps.i])
		return
	}
	ps.i++
}
