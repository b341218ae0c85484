package arith

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is an arithmetic operation.
type Kind uint8

// The operations. The zero Kind is invalid, so a zero Skill or Problem is caught by Validate.
const (
	Add       Kind = iota + 1 // a+b
	Sub                       // a-b (the answer may be negative)
	Mul                       // a*b
	Composite                 // (a op1 b) op2 c with single-digit operands, op1, op2 in + - *
	DigitSum                  // the sum of the decimal digits of n
)

// kindInfo is what the package knows about each Kind. The widths bound Skill.Digits; for
// Composite and DigitSum they are equal, so those kinds have one fixed width.
var kindInfo = [...]struct {
	name                 string
	minDigits, maxDigits int
	arity                int // number of operands
}{
	Add:       {"add", 1, 6, 2},
	Sub:       {"sub", 1, 6, 2},
	Mul:       {"mul", 1, 2, 2},
	Composite: {"comp", 1, 1, 3},
	DigitSum:  {"dsum", 4, 4, 1},
}

func (k Kind) valid() bool { return k >= Add && int(k) < len(kindInfo) }

// String returns the kind's short name ("add", "sub", "mul", "comp", "dsum"), or "Kind(n)".
func (k Kind) String() string {
	if !k.valid() {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindInfo[k].name
}

// MinDigits and MaxDigits are the operand widths the kind supports; Skill.Digits must lie in
// [MinDigits, MaxDigits]. Composite (1) and DigitSum (4) have one fixed width. Both return 0 for
// an invalid kind.
func (k Kind) MinDigits() int {
	if !k.valid() {
		return 0
	}
	return kindInfo[k].minDigits
}

// MaxDigits: see MinDigits.
func (k Kind) MaxDigits() int {
	if !k.valid() {
		return 0
	}
	return kindInfo[k].maxDigits
}

// Arity is the number of operands of a problem of this kind: 2, or 3 for Composite, 1 for DigitSum.
func (k Kind) Arity() int {
	if !k.valid() {
		return 0
	}
	return kindInfo[k].arity
}

// Skill is an operation at an operand width: every operand of a problem of the skill is below
// 10^Digits and is written zero-padded to Digits characters in the prompt.
//
// Names: "add1".."add6", "sub1".."sub6", "mul1", "mul2", "comp1" (the single-digit three-operation
// composite (a op b) op c) and "dsum4" (the sum of the digits of n < 10^4).
type Skill struct {
	Kind   Kind
	Digits int
}

// String returns the skill's name, e.g. "add2": the kind's name followed by the width.
func (s Skill) String() string { return s.Kind.String() + strconv.Itoa(s.Digits) }

// Validate reports whether s is a supported skill.
func (s Skill) Validate() error {
	if !s.Kind.valid() {
		return fmt.Errorf("arith: invalid skill %v: unknown kind %d", s, s.Kind)
	}
	if s.Digits < s.Kind.MinDigits() || s.Digits > s.Kind.MaxDigits() {
		if s.Kind.MinDigits() == s.Kind.MaxDigits() {
			return fmt.Errorf("arith: invalid skill %v: %v has a fixed width of %d digits", s, s.Kind, s.Kind.MinDigits())
		}
		return fmt.Errorf("arith: invalid skill %v: %v supports %d to %d digits", s, s.Kind, s.Kind.MinDigits(), s.Kind.MaxDigits())
	}
	return nil
}

// allSkills is every supported skill, roughly easiest first for a small transformer: single-digit
// lookups, then two digits, the short composite and digit-sum problems, then wider addition and
// subtraction, and two-digit multiplication (which needs every digit pair) last. It is a guess at
// a curriculum, not a measurement.
var allSkills = []Skill{
	{Add, 1}, {Sub, 1}, {Mul, 1},
	{Add, 2}, {Sub, 2},
	{Composite, 1}, {DigitSum, 4},
	{Add, 3}, {Sub, 3},
	{Add, 4}, {Sub, 4},
	{Add, 5}, {Sub, 5},
	{Add, 6}, {Sub, 6},
	{Mul, 2},
}

// AllSkills returns every supported skill, easiest first (see the order's rationale in the
// source). The caller owns the returned slice.
func AllSkills() []Skill { return append([]Skill(nil), allSkills...) }

func skillNames() string {
	names := make([]string, len(allSkills))
	for i, s := range allSkills {
		names[i] = s.String()
	}
	return strings.Join(names, ", ")
}

// ParseSkill returns the skill with the given name, e.g. "add2". The name must match exactly; an
// unknown name is an error that lists the valid ones.
func ParseSkill(name string) (Skill, error) {
	for _, s := range allSkills {
		if s.String() == name {
			return s, nil
		}
	}
	return Skill{}, fmt.Errorf("arith: unknown skill %q (valid: %s)", name, skillNames())
}

// ParseSkills parses a comma-separated list of skill names such as "add1,add2", in order.
// Whitespace around a name is ignored. An empty list, an empty item, an unknown name or a repeated
// skill is an error.
func ParseSkills(list string) ([]Skill, error) {
	if strings.TrimSpace(list) == "" {
		return nil, fmt.Errorf("arith: parse skills %q: empty list (valid: %s)", list, skillNames())
	}
	var out []Skill
	seen := make(map[Skill]bool)
	for i, item := range strings.Split(list, ",") {
		name := strings.TrimSpace(item)
		if name == "" {
			return nil, fmt.Errorf("arith: parse skills %q: item %d is empty", list, i+1)
		}
		s, err := ParseSkill(name)
		if err != nil {
			return nil, fmt.Errorf("arith: parse skills %q: unknown skill %q (valid: %s)", list, name, skillNames())
		}
		if seen[s] {
			return nil, fmt.Errorf("arith: parse skills %q: %v is listed twice", list, s)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// PromptLen is len(Encode(p)) for every problem p of the skill: BOS, the zero-padded operands with
// their operators (and parentheses or '#'), and '='. It is 2*Digits+3 for add, sub and mul, 9 for
// comp1 ("^(9+8)*2=") and 7 for dsum4 ("^#0086="); 0 for an invalid skill.
func (s Skill) PromptLen() int {
	if s.Validate() != nil {
		return 0
	}
	switch s.Kind {
	case Composite:
		return 1 + 1 + 3*s.Digits + 2 + 1 + 1 // ^ ( a op b ) op c =
	case DigitSum:
		return 1 + 1 + s.Digits + 1 // ^ # n =
	default:
		return 1 + 2*s.Digits + 1 + 1 // ^ a op b =
	}
}

// MaxAnswerLen is the most tokens a correct canonical answer of the skill needs, sign and End
// included: AnswerDigits+1, since the longest answer is the largest one's digits then End, and
// a negative answer's complement has fewer digits than its sign costs:
//
//	addN   N+2   (N+1 digits of the largest sum, End)
//	subN   N+2   (N digits of 10^N + the most negative difference, '-', End)
//	mulN   2N+1  (2N digits of (10^N-1)^2, End)
//	comp1  4     ("927$" for (9*9)*9 = 729, "91-$" for (0-9)*9 = -81)
//	dsum4  3     (two digits of 36, End)
//
// A sampler that stops after MaxAnswerLen tokens truncates no correct answer. It is 0 for an
// invalid skill.
func (s Skill) MaxAnswerLen() int {
	if s.Validate() != nil {
		return 0
	}
	return s.AnswerDigits() + 1
}

// AnswerDigits is the number of digits every answer of the skill has when written at a fixed
// length (Problem.AtWidth): enough for its largest answer and, in ten's complement, its most
// negative one:
//
//	addN, subN  N+1  (the carry out of the top column, or the borrow into it)
//	mulN        2N   (9801 for mul2)
//	comp1       3    (729 = (9*9)*9; -81 = (0-9)*9 is 919 then '-')
//	dsum4       2    (36)
//
// It is 0 for an invalid skill. The tests check both against the extremes and against every
// problem of the skills small enough to enumerate.
func (s Skill) AnswerDigits() int {
	if s.Validate() != nil {
		return 0
	}
	switch s.Kind {
	case Add, Sub:
		return s.Digits + 1
	case Mul:
		return 2 * s.Digits
	case Composite:
		return 3
	default: // DigitSum
		return numDigits(9 * s.Digits)
	}
}

// space is the number of distinct problems of a valid skill.
func (s Skill) space() int64 {
	switch s.Kind {
	case Composite:
		return pow10(3*s.Digits) * 9 // three operands, 3*3 operator pairs
	case DigitSum:
		return pow10(s.Digits)
	default:
		return pow10(2 * s.Digits)
	}
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// PaddedAt reports whether problems of s posed at width w ([Problem.AtWidth]) are written as
// additions at that width are: operands zero-padded to w digits and an answer of exactly w+1
// digits. Additions and subtractions of at most w digits are (w up to the kind's MaxDigits), and
// so are products whose every answer fits in w+1 digits: at width 5, 3*7 is "^00003*00007="
// answered "120000$", so that its units digits sit where every sum's do. A policy that learnt
// the sums first and met products in their own short prompts wrote their units digit from the
// first operand alone (measured: 1->8, 2->2, 3->1 whatever the second) for thousands of steps.
func (s Skill) PaddedAt(w int) bool {
	if s.Validate() != nil || w < s.Digits {
		return false
	}
	switch s.Kind {
	case Add, Sub:
		return w <= s.Kind.MaxDigits()
	case Mul:
		return s.AnswerDigits() <= w+1
	}
	return false
}

// ShapeAt returns the length of the prompts of s posed at width w ([Problem.AtWidth]) and the most
// tokens their answers take, End included; w = 0 is the natural layout (PromptLen, MaxAnswerLen).
// A skill padded at w (PaddedAt) has prompts of 2w+3 tokens and answers of w+1 digits, '-' and
// End; any other kind keeps its prompt and is answered in its AnswerDigits, '-' and End; an
// addition or subtraction wider than w cannot be posed at w and keeps the natural layout.
func (s Skill) ShapeAt(w int) (prompt, answer int) {
	n := s.digitsAt(w)
	switch {
	case n == 0:
		return s.PromptLen(), s.MaxAnswerLen()
	case s.PaddedAt(w):
		return 2*w + 3, n + 2
	default:
		return s.PromptLen(), n + 2
	}
}

// digitsAt is the number of digits of every answer of s posed at width w, or 0 for answers of
// their own length (w = 0, or an addition or subtraction that does not fit in w).
func (s Skill) digitsAt(w int) int {
	switch {
	case w <= 0 || s.Validate() != nil:
		return 0
	case s.PaddedAt(w):
		return w + 1
	case s.Kind == Add || s.Kind == Sub:
		return 0
	default:
		return s.AnswerDigits()
	}
}
