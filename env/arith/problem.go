package arith

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Op is a binary operator of a Composite problem: '+', '-' or '*'.
type Op byte

// The operators.
const (
	OpAdd Op = '+'
	OpSub Op = '-'
	OpMul Op = '*'
)

var allOps = [...]Op{OpAdd, OpSub, OpMul}

func (o Op) valid() bool { return o == OpAdd || o == OpSub || o == OpMul }

// String returns the operator's character.
func (o Op) String() string { return string(rune(o)) }

// apply returns a o b.
func (o Op) apply(a, b int) int {
	switch o {
	case OpAdd:
		return a + b
	case OpSub:
		return a - b
	default:
		return a * b
	}
}

// token returns the operator's vocabulary token (Pad for an invalid operator, so that Encode of a
// malformed problem stays inside the vocabulary).
func (o Op) token() Token {
	switch o {
	case OpAdd:
		return Plus
	case OpSub:
		return Minus
	case OpMul:
		return Times
	}
	return Pad
}

// kindOp is the operator of an Add, Sub or Mul problem.
func kindOp(k Kind) Op {
	switch k {
	case Add:
		return OpAdd
	case Sub:
		return OpSub
	}
	return OpMul
}

// Problem is one arithmetic question with its true answer. Build one with NewProblem, Generate,
// ParseQuestion or ReadJSONL; they guarantee the invariants below, which the rest of the package
// (and the rewards) rely on.
type Problem struct {
	Skill    Skill
	Operands []int // Add/Sub/Mul: a, b; Composite: a, b, c; DigitSum: n. Each in [0, 10^Skill.Digits).
	Ops      []Op  // Composite only: op1, op2 of (a op1 b) op2 c; nil otherwise (the Kind says the op)
	Answer   int   // the true integer answer
	// Columns, when positive, poses an addition or subtraction in the column layout at that
	// width (see InColumns and EncodeColumns): operands least significant digit first, padded
	// to Columns digits, and an answer of exactly Columns+1 digits. 0, the zero value, is the
	// natural layout, and the only one of the other kinds.
	Columns int
	// Width, when positive, poses the problem at that width in the natural layout (see AtWidth):
	// an addition, subtraction or product padded at it (Skill.PaddedAt) has its operands
	// zero-padded to Width digits and an answer of exactly Width+1 digits, as in columns
	// (Expected); any other problem keeps its prompt and has an answer of exactly its skill's
	// AnswerDigits. At most one of Columns and Width is set.
	Width int
	// Work, when set, has the answer preceded by the working (see Worked): the intermediate
	// results of a mul2 or comp1 problem posed at a width, then '='.
	Work bool
}

// NewProblem returns the problem of skill s with the given operands (and, for Composite, the two
// operators), with its Answer computed. It copies operands and ops. The skill must be valid, the
// number of operands must match the kind, every operand must lie in [0, 10^s.Digits), and ops
// must be two of '+', '-', '*' for Composite and empty otherwise.
func NewProblem(s Skill, operands []int, ops []Op) (Problem, error) {
	if err := s.Validate(); err != nil {
		return Problem{}, err
	}
	if len(operands) != s.Kind.Arity() {
		return Problem{}, fmt.Errorf("arith: new %v problem: %d operands, want %d", s, len(operands), s.Kind.Arity())
	}
	limit := pow10(s.Digits)
	for _, x := range operands {
		if x < 0 || int64(x) >= limit {
			return Problem{}, fmt.Errorf("arith: new %v problem: operand %d outside [0, %d)", s, x, limit)
		}
	}
	p := Problem{Skill: s, Operands: slices.Clone(operands)}
	if s.Kind == Composite {
		if len(ops) != 2 {
			return Problem{}, fmt.Errorf("arith: new %v problem: %d operators, want 2", s, len(ops))
		}
		for _, o := range ops {
			if !o.valid() {
				return Problem{}, fmt.Errorf("arith: new %v problem: operator %q is not one of + - *", s, byte(o))
			}
		}
		p.Ops = slices.Clone(ops)
	} else if len(ops) != 0 {
		return Problem{}, fmt.Errorf("arith: new %v problem: %d operators, want none (the kind %v fixes the operation)", s, len(ops), s.Kind)
	}
	p.Answer = p.eval()
	return p, nil
}

// eval computes the answer of a well-formed problem.
func (p Problem) eval() int {
	x := p.Operands
	switch p.Skill.Kind {
	case Add, Sub, Mul:
		return kindOp(p.Skill.Kind).apply(x[0], x[1])
	case Composite:
		return p.Ops[1].apply(p.Ops[0].apply(x[0], x[1]), x[2])
	default: // DigitSum
		sum := 0
		for n := x[0]; n > 0; n /= 10 {
			sum += n % 10
		}
		return sum
	}
}

// wellFormed reports whether p has the shape NewProblem guarantees (without re-checking Answer).
func (p Problem) wellFormed() bool {
	if p.Skill.Validate() != nil || len(p.Operands) != p.Skill.Kind.Arity() {
		return false
	}
	for _, v := range p.Operands {
		if v < 0 || int64(v) >= pow10(p.Skill.Digits) {
			return false
		}
	}
	addSub := p.Skill.Kind == Add || p.Skill.Kind == Sub
	if p.Columns != 0 && (!addSub || p.Columns < p.Skill.Digits || p.Columns > p.Skill.Kind.MaxDigits()) {
		return false
	}
	if p.Width < 0 || (p.Width > 0 && addSub && !p.Skill.PaddedAt(p.Width)) {
		return false
	}
	if p.Columns != 0 && p.Width != 0 {
		return false
	}
	if p.Work && (p.Width == 0 || p.Skill.WorkLen() == 0) {
		return false
	}
	if p.Skill.Kind == Composite {
		return len(p.Ops) == 2 && p.Ops[0].valid() && p.Ops[1].valid()
	}
	return len(p.Ops) == 0
}

// String returns the problem in symbolic form without padding, which ParseQuestion reads back:
// "98+45", "40649-78746", "95*45", "(9+8)*2", "#8606". A malformed Problem (one not built by this
// package) prints as "invalid problem {...}".
func (p Problem) String() string {
	if !p.wellFormed() {
		return fmt.Sprintf("invalid problem {%v %v %q %d}", p.Skill, p.Operands, p.Ops, p.Answer)
	}
	x := p.Operands
	switch p.Skill.Kind {
	case Composite:
		return "(" + strconv.Itoa(x[0]) + p.Ops[0].String() + strconv.Itoa(x[1]) + ")" + p.Ops[1].String() + strconv.Itoa(x[2])
	case DigitSum:
		return "#" + strconv.Itoa(x[0])
	default:
		return strconv.Itoa(x[0]) + kindOp(p.Skill.Kind).String() + strconv.Itoa(x[1])
	}
}

// English returns the question as GPT-3's arithmetic files word it, e.g. "What is 98 plus 45?",
// "What is (9 + 8) * 2?" or "What is the sum of the digits of the number 8606?". ParseQuestion
// reads it back.
func (p Problem) English() string {
	if !p.wellFormed() {
		return p.String()
	}
	x := p.Operands
	switch p.Skill.Kind {
	case Composite:
		return fmt.Sprintf("What is (%d %v %d) %v %d?", x[0], p.Ops[0], x[1], p.Ops[1], x[2])
	case DigitSum:
		return fmt.Sprintf("What is the sum of the digits of the number %d?", x[0])
	default:
		word := map[Kind]string{Add: "plus", Sub: "minus", Mul: "times"}[p.Skill.Kind]
		return fmt.Sprintf("What is %d %s %d?", x[0], word, x[1])
	}
}

// Generate returns a random problem of skill s: every operand uniform in [0, 10^s.Digits) and,
// for Composite, both operators uniform over + - *. The draws are, in order, the operands then the
// operators, each one rng.IntN call, so a seeded rng gives the same problems on every platform.
// Generate may return a held-out problem; training uses GenerateTrain.
//
// Generate panics if s is not valid (a programming error: ParseSkill and AllSkills only return
// valid skills).
func Generate(s Skill, rng *rand.Rand) Problem {
	if err := s.Validate(); err != nil {
		panic(err)
	}
	limit := int(pow10(s.Digits))
	operands := make([]int, s.Kind.Arity())
	for i := range operands {
		operands[i] = rng.IntN(limit)
	}
	p := Problem{Skill: s, Operands: operands}
	if s.Kind == Composite {
		p.Ops = []Op{allOps[rng.IntN(len(allOps))], allOps[rng.IntN(len(allOps))]}
	}
	p.Answer = p.eval()
	return p
}

// GenerateTrain returns a random problem of skill s that is not held out: it draws with Generate
// until !HeldOut(p), so training problems are uniform over the remaining ~95% of the skill.
func GenerateTrain(s Skill, rng *rand.Rand) Problem {
	for {
		if p := Generate(s, rng); !HeldOut(p) {
			return p
		}
	}
}

// WithDigits returns p re-labelled as the same operation at operand width n, so that problems
// read from one file share one encoding (ReadJSONL widens "0 plus 25" from add1... to add2 that
// way: "^00+25="). n must be at least the width of p's widest operand and at most the kind's
// MaxDigits; Composite and DigitSum have a fixed width, so for them n must equal it. The answer is
// unchanged. Note that the held-out split depends on the skill, so a re-labelled problem may fall
// on the other side of it.
func (p Problem) WithDigits(n int) (Problem, error) {
	if !p.wellFormed() {
		return Problem{}, fmt.Errorf("arith: widen %v to %d digits: malformed problem", p, n)
	}
	k := p.Skill.Kind
	if n < k.MinDigits() || n > k.MaxDigits() {
		if k.MinDigits() == k.MaxDigits() {
			return Problem{}, fmt.Errorf("arith: widen %v to %d digits: %v has a fixed width of %d", p, n, k, k.MinDigits())
		}
		return Problem{}, fmt.Errorf("arith: widen %v to %d digits: %v supports %d to %d digits", p, n, k, k.MinDigits(), k.MaxDigits())
	}
	if w := p.width(); n < w {
		return Problem{}, fmt.Errorf("arith: widen %v to %d digits: an operand has %d digits", p, n, w)
	}
	q := p.clone()
	q.Skill.Digits = n
	return q, nil
}

// width is the number of digits of p's widest operand (at least 1).
func (p Problem) width() int {
	w := 1
	for _, x := range p.Operands {
		w = max(w, numDigits(x))
	}
	return w
}

// numDigits is the number of decimal digits of x >= 0 (1 for 0).
func numDigits(x int) int {
	n := 1
	for x >= 10 {
		x /= 10
		n++
	}
	return n
}

// appendPadded appends the decimal digits of x >= 0, most significant first, zero-padded on the
// left to width. A wider x is written in full, and a negative x gets a '-', so that Encode of a
// malformed problem is still a sequence of vocabulary tokens.
func appendPadded(ts []Token, x, width int) []Token {
	if x < 0 {
		ts = append(ts, Minus)
	}
	s := strconv.FormatUint(absInt(x), 10)
	for range width - len(s) {
		ts = append(ts, 0)
	}
	for i := 0; i < len(s); i++ {
		ts = append(ts, Token(s[i]-'0'))
	}
	return ts
}

// absInt returns |x| as a uint64, correct even for math.MinInt.
func absInt(x int) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1
	}
	return uint64(x)
}

// InColumns returns p posed in the column layout at width w (p.Columns = w), or an error if p is
// not an addition or subtraction or has an operand wider than w digits, or w exceeds the kind's
// MaxDigits. w = 0 returns p in the natural layout. Skill, operands and answer are unchanged.
func (p Problem) InColumns(w int) (Problem, error) {
	q, err := p.posedAt(w, "in columns of width", false)
	if err == nil && w > 0 {
		q.Columns = w
	}
	return q, err
}

// AtWidth returns p posed at width w in the natural layout (p.Width = w), with an answer of fixed
// length: least significant digit first, ten's complement then '-' for a negative answer, then
// End (Expected). An addition or subtraction, or a product whose answers fit in w+1 digits
// (Skill.PaddedAt), has its operands zero-padded to w digits, most significant first, and is
// answered in exactly w+1 digits: 7+45 at width 4 is "^0007+0045=" answered "25000$", 3-5
// "^0003-0005=" answered "89999-$", 3*3 "^0003*0003=" answered "90000$". Any other problem keeps
// its prompt and is answered in its skill's AnswerDigits: (4-7)-3 is "^(4-7)-3=" answered "499-$"
// (-6 is 994 over three digits), 95*45 at width 2 "^95*45=" answered "5724$". A fixed-length answer spares the
// policy deciding where the answer stops, which for a subtraction depends on every column above
// (40649-40638 = 11 drops three zeros) and for a composite on the whole computation. It is an
// error for an addition or subtraction to have an operand wider than w digits or for w to exceed
// the kind's MaxDigits. w = 0 returns p in the natural layout at its own width. Skill, operands
// and answer are unchanged.
func (p Problem) AtWidth(w int) (Problem, error) {
	q, err := p.posedAt(w, "at width", true)
	if err == nil && w > 0 {
		q.Width = w
	}
	return q, err
}

// posedAt returns a copy of p in the natural layout at its own width, or why p cannot be posed
// at width w with a fixed-length answer (how names the pose in the error; anyKind lets the kinds
// other than addition and subtraction through, which AtWidth can pose and InColumns cannot);
// InColumns and AtWidth then set the pose.
func (p Problem) posedAt(w int, how string, anyKind bool) (Problem, error) {
	if !p.wellFormed() {
		return Problem{}, fmt.Errorf("arith: pose %v %s %d: malformed problem", p, how, w)
	}
	k := p.Skill.Kind
	switch {
	case w == 0:
	case w < 0:
		return Problem{}, fmt.Errorf("arith: pose %v %s %d: negative width", p, how, w)
	case k != Add && k != Sub && anyKind:
	case k != Add && k != Sub:
		return Problem{}, fmt.Errorf("arith: pose %v %s %d: only addition and subtraction have fixed-width answers, not %v", p, how, w, k)
	case w < p.Skill.Digits || w > k.MaxDigits():
		return Problem{}, fmt.Errorf("arith: pose %v %s %d: want %d to %d for %v", p, how, w, p.Skill.Digits, k.MaxDigits(), p.Skill)
	}
	q := p.clone()
	q.Columns, q.Width, q.Work = 0, 0, false
	return q, nil
}

// clone returns a copy of p that shares no slice with it: the poses and widenings made from a
// problem must not change it.
func (p Problem) clone() Problem {
	q := p
	q.Operands = slices.Clone(p.Operands)
	q.Ops = slices.Clone(p.Ops)
	return q
}
