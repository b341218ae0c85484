package arith

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestVocab(t *testing.T) {
	if VocabSize != 20 {
		t.Fatalf("VocabSize = %d; want 20", VocabSize)
	}
	named := map[Token]byte{Plus: '+', Minus: '-', Times: '*', LParen: '(', RParen: ')', Equals: '=',
		DigitSumOp: '#', End: '$', BOS: '^', Pad: '.'}
	for tok, c := range named {
		if Vocab[tok] != c {
			t.Errorf("Vocab[%d] = %q; want %q", tok, Vocab[tok], c)
		}
	}
	for d := range 10 {
		if Vocab[d] != byte('0'+d) || !Token(d).IsDigit() {
			t.Errorf("digit %d: Vocab[%d] = %q, IsDigit = %v", d, d, Vocab[d], Token(d).IsDigit())
		}
	}
	for tok := Token(10); tok < 255; tok++ {
		if tok.IsDigit() {
			t.Errorf("Token(%d).IsDigit() = true", tok)
		}
	}
	if got := Token(20).String(); got != "?" {
		t.Errorf("Token(20).String() = %q; want \"?\"", got)
	}
	if got := End.String(); got != "$" {
		t.Errorf("End.String() = %q; want \"$\"", got)
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in      string
		want    []Token
		wantErr string // substring of the error; "" for success
	}{
		{"", []Token{}, ""},
		{"^07+45=", []Token{BOS, 0, 7, Plus, 4, 5, Equals}, ""},
		{"341$", []Token{3, 4, 1, End}, ""},
		{Vocab, []Token{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, Plus, Minus, Times, LParen, RParen, Equals, DigitSumOp, End, BOS, Pad}, ""},
		{" 12\n", nil, "' ' at offset 0"},
		{"12 13", nil, "' ' at offset 2"},
		{"12abc", nil, "'a' at offset 2"},
		{"1?", nil, "'?' at offset 1"},
		{"12/3", nil, "'/' at offset 2"},
		{"٣", nil, "'٣' at offset 0"},
		{"1é", nil, "'é' at offset 1"},
		{"1\xff2", nil, "byte 0xff at offset 1"},
		{"\x00", nil, "'\\x00' at offset 0"},
	}
	for _, tt := range tests {
		got, err := Tokenize(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "arith: ") {
				t.Errorf("Tokenize(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Tokenize(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
		}
		if back := Render(got); back != tt.in {
			t.Errorf("Render(Tokenize(%q)) = %q", tt.in, back)
		}
	}
}

func TestRenderOutOfRange(t *testing.T) {
	if got := Render([]Token{1, 20, 255, End}); got != "1??$" {
		t.Errorf("Render(1, 20, 255, End) = %q; want %q", got, "1??$")
	}
	if got := Render(nil); got != "" {
		t.Errorf("Render(nil) = %q; want \"\"", got)
	}
	// Model ids outside the vocabulary stay outside it, whatever their low byte names.
	ids := []int{1, int(Plus), VocabSize, 256 + int(Plus), 256, -1, int(End)}
	if got := Render(FromIDs(ids)); got != "1+????$" {
		t.Errorf("Render(FromIDs(%v)) = %q; want %q", ids, got, "1+????$")
	}
	if got := IDs(FromIDs([]int{0, 5, int(Pad)})); !slices.Equal(got, []int{0, 5, int(Pad)}) {
		t.Errorf("IDs(FromIDs(0, 5, Pad)) = %v", got)
	}
}

func TestParseSkill(t *testing.T) {
	tests := []struct {
		in   string
		want Skill
		ok   bool
	}{
		{"add1", Skill{Add, 1}, true},
		{"add6", Skill{Add, 6}, true},
		{"sub3", Skill{Sub, 3}, true},
		{"mul2", Skill{Mul, 2}, true},
		{"comp1", Skill{Composite, 1}, true},
		{"dsum4", Skill{DigitSum, 4}, true},
		{"", Skill{}, false},
		{"add0", Skill{}, false},
		{"add7", Skill{}, false},
		{"mul3", Skill{}, false},
		{"comp2", Skill{}, false},
		{"dsum3", Skill{}, false},
		{"ADD1", Skill{}, false},
		{" add1", Skill{}, false},
		{"add1\n", Skill{}, false},
		{"add", Skill{}, false},
		{"add01", Skill{}, false},
		{"add-1", Skill{}, false},
		{"Kind(9)1", Skill{}, false},
	}
	for _, tt := range tests {
		got, err := ParseSkill(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseSkill(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "add1, sub1") {
			t.Errorf("ParseSkill(%q) error %q does not list the valid names", tt.in, err)
		}
	}
	for _, s := range AllSkills() {
		if got, err := ParseSkill(s.String()); err != nil || got != s {
			t.Errorf("ParseSkill(%q) = %v, %v; want %v, nil", s.String(), got, err, s)
		}
	}
}

func TestParseSkills(t *testing.T) {
	tests := []struct {
		in   string
		want []Skill
		ok   bool
	}{
		{"add1", []Skill{{Add, 1}}, true},
		{"add1,add2", []Skill{{Add, 1}, {Add, 2}}, true},
		{" add2 , add1 ,mul2", []Skill{{Add, 2}, {Add, 1}, {Mul, 2}}, true},
		{"", nil, false},
		{"  ", nil, false},
		{",", nil, false},
		{"add1,", nil, false},
		{",add1", nil, false},
		{"add1,,add2", nil, false},
		{"add1,add1", nil, false},
		{"add1, add1", nil, false},
		{"add1,nope", nil, false},
		{"add1;add2", nil, false},
	}
	for _, tt := range tests {
		got, err := ParseSkills(tt.in)
		if tt.ok != (err == nil) || !slices.Equal(got, tt.want) {
			t.Errorf("ParseSkills(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestSkillValidate(t *testing.T) {
	bad := []Skill{{}, {Add, 0}, {Add, 7}, {Sub, -1}, {Mul, 3}, {Composite, 2}, {DigitSum, 3}, {Kind(9), 1}}
	for _, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("%#v.Validate() = nil; want error", s)
		}
		if s.PromptLen() != 0 || s.MaxAnswerLen() != 0 {
			t.Errorf("%#v: PromptLen, MaxAnswerLen = %d, %d; want 0, 0", s, s.PromptLen(), s.MaxAnswerLen())
		}
	}
	all := AllSkills()
	if len(all) != 16 {
		t.Errorf("len(AllSkills()) = %d; want 16", len(all))
	}
	seen := map[Skill]bool{}
	for _, s := range all {
		if err := s.Validate(); err != nil {
			t.Errorf("AllSkills has invalid %v: %v", s, err)
		}
		if seen[s] {
			t.Errorf("AllSkills lists %v twice", s)
		}
		seen[s] = true
	}
	all[0] = Skill{}
	if AllSkills()[0] != (Skill{Add, 1}) {
		t.Errorf("AllSkills shares its slice with the caller")
	}
}

// extremes returns hand-picked problems at the edges of skill s: all zeros, all nines, and the
// extreme answers.
func extremes(t *testing.T, s Skill) []Problem {
	t.Helper()
	top := int(pow10(s.Digits)) - 1
	var cases []struct {
		x   []int
		ops []Op
	}
	switch s.Kind {
	case Composite:
		for _, x := range [][]int{{0, 0, 0}, {9, 9, 9}, {0, 9, 9}, {9, 0, 9}, {0, 9, 0}} {
			for _, o1 := range allOps {
				for _, o2 := range allOps {
					cases = append(cases, struct {
						x   []int
						ops []Op
					}{x, []Op{o1, o2}})
				}
			}
		}
	case DigitSum:
		for _, x := range []int{0, 1, 10, 9999, 9990, 1000} {
			cases = append(cases, struct {
				x   []int
				ops []Op
			}{[]int{x}, nil})
		}
	default:
		for _, x := range [][]int{{0, 0}, {top, top}, {0, top}, {top, 0}, {1, top}, {top, 1}, {1, 1}} {
			cases = append(cases, struct {
				x   []int
				ops []Op
			}{x, nil})
		}
	}
	var out []Problem
	for _, c := range cases {
		p, err := NewProblem(s, c.x, c.ops)
		if err != nil {
			t.Fatalf("NewProblem(%v, %v, %v): %v", s, c.x, c.ops, err)
		}
		out = append(out, p)
	}
	return out
}

// problemsOf returns extremes and random problems of s; every problem when s is small.
func problemsOf(t *testing.T, s Skill, n int) []Problem {
	t.Helper()
	ps := extremes(t, s)
	if s.space() <= 10_000 {
		return append(ps, enumerate(s)...)
	}
	rng := rand.New(rand.NewPCG(1, uint64(s.Kind)<<8|uint64(s.Digits)))
	for range n {
		ps = append(ps, Generate(s, rng))
	}
	return ps
}

// reference computes the answer the obvious way, independently of eval.
func reference(p Problem) int {
	x := p.Operands
	op := func(o Op, a, b int) int {
		switch o {
		case '+':
			return a + b
		case '-':
			return a - b
		case '*':
			return a * b
		}
		panic("bad op")
	}
	switch p.Skill.Kind {
	case Add:
		return x[0] + x[1]
	case Sub:
		return x[0] - x[1]
	case Mul:
		return x[0] * x[1]
	case Composite:
		return op(p.Ops[1], op(p.Ops[0], x[0], x[1]), x[2])
	}
	sum := 0
	for _, c := range strings.TrimLeft(p.String(), "#") {
		sum += int(c - '0')
	}
	return sum
}

// TestEncodeEveryProblem checks, for every skill, extremes and many problems: the prompt length,
// the answer length bound, the prompt's text against the symbolic form, and the answer round trip.
func TestEncodeEveryProblem(t *testing.T) {
	for _, s := range AllSkills() {
		maxLen := 0
		for _, p := range problemsOf(t, s, 2000) {
			if p.Answer != reference(p) {
				t.Fatalf("%v: Answer = %d; want %d", p, p.Answer, reference(p))
			}
			prompt := Encode(p)
			if len(prompt) != s.PromptLen() {
				t.Fatalf("%v %v: len(Encode) = %d (%q); want PromptLen %d", s, p, len(prompt), Render(prompt), s.PromptLen())
			}
			text := Render(prompt)
			if text[0] != '^' || text[len(text)-1] != '=' {
				t.Fatalf("Encode(%v) = %q; want ^...=", p, text)
			}
			// Stripping BOS, '=' and the padding zeros gives the symbolic form back.
			q, err := ParseQuestion(text[1 : len(text)-1])
			if err != nil {
				t.Fatalf("ParseQuestion(%q) from Encode(%v): %v", text, p, err)
			}
			if q, err = q.WithDigits(s.Digits); err != nil || !equalProblems(q, p) {
				t.Fatalf("ParseQuestion(%q).WithDigits(%d) = %v, %v; want %v", text, s.Digits, q, err, p)
			}
			ans := EncodeAnswer(p.Answer)
			if len(ans) > s.MaxAnswerLen() {
				t.Fatalf("%v: EncodeAnswer(%d) = %q is longer than MaxAnswerLen %d", p, p.Answer, Render(ans), s.MaxAnswerLen())
			}
			maxLen = max(maxLen, len(ans))
			if v, err := DecodeAnswer(ans); err != nil || v != p.Answer || !Canonical(ans) {
				t.Fatalf("DecodeAnswer(%q) = %d, %v (canonical %v); want %d", Render(ans), v, err, Canonical(ans), p.Answer)
			}
		}
		if maxLen != s.MaxAnswerLen() {
			t.Errorf("%v: longest answer has %d tokens; MaxAnswerLen = %d is not tight", s, maxLen, s.MaxAnswerLen())
		}
	}
}

func equalProblems(a, b Problem) bool {
	return a.Skill == b.Skill && slices.Equal(a.Operands, b.Operands) && slices.Equal(a.Ops, b.Ops) && a.Answer == b.Answer
}

func TestEncodeExamples(t *testing.T) {
	tests := []struct {
		s      Skill
		x      []int
		ops    []Op
		prompt string
		answer string
		str    string
	}{
		{Skill{Add, 2}, []int{7, 45}, nil, "^07+45=", "25$", "7+45"},
		{Skill{Add, 2}, []int{98, 45}, nil, "^98+45=", "341$", "98+45"},
		{Skill{Sub, 3}, []int{40, 912}, nil, "^040-912=", "821-$", "40-912"},
		{Skill{Sub, 5}, []int{40649, 78746}, nil, "^40649-78746=", "30916-$", "40649-78746"},
		{Skill{Sub, 6}, []int{0, 999999}, nil, "^000000-999999=", "100000-$", "0-999999"},
		{Skill{Sub, 1}, []int{3, 3}, nil, "^3-3=", "0$", "3-3"},
		{Skill{Mul, 2}, []int{95, 4}, nil, "^95*04=", "083$", "95*4"},
		{Skill{Mul, 2}, []int{99, 99}, nil, "^99*99=", "1089$", "99*99"},
		{Skill{Mul, 1}, []int{5, 8}, nil, "^5*8=", "04$", "5*8"},
		{Skill{Composite, 1}, []int{9, 8, 2}, []Op{'+', '*'}, "^(9+8)*2=", "43$", "(9+8)*2"},
		{Skill{Composite, 1}, []int{9, 9, 9}, []Op{'*', '*'}, "^(9*9)*9=", "927$", "(9*9)*9"},
		{Skill{Composite, 1}, []int{0, 9, 9}, []Op{'-', '*'}, "^(0-9)*9=", "91-$", "(0-9)*9"},
		{Skill{DigitSum, 4}, []int{86}, nil, "^#0086=", "41$", "#86"},
		{Skill{DigitSum, 4}, []int{8606}, nil, "^#8606=", "02$", "#8606"},
		{Skill{DigitSum, 4}, []int{0}, nil, "^#0000=", "0$", "#0"},
	}
	for _, tt := range tests {
		p, err := NewProblem(tt.s, tt.x, tt.ops)
		if err != nil {
			t.Errorf("NewProblem(%v, %v, %q): %v", tt.s, tt.x, tt.ops, err)
			continue
		}
		if got := Render(Encode(p)); got != tt.prompt {
			t.Errorf("Encode(%v) = %q; want %q", p, got, tt.prompt)
		}
		if got := Render(EncodeAnswer(p.Answer)); got != tt.answer {
			t.Errorf("EncodeAnswer(%d) = %q; want %q", p.Answer, got, tt.answer)
		}
		if got := p.String(); got != tt.str {
			t.Errorf("String() = %q; want %q", got, tt.str)
		}
	}
}

func TestNewProblemErrors(t *testing.T) {
	tests := []struct {
		s   Skill
		x   []int
		ops []Op
	}{
		{Skill{}, []int{1, 2}, nil},
		{Skill{Add, 7}, []int{1, 2}, nil},
		{Skill{Add, 2}, []int{1}, nil},
		{Skill{Add, 2}, []int{1, 2, 3}, nil},
		{Skill{Add, 2}, nil, nil},
		{Skill{Add, 2}, []int{100, 2}, nil},
		{Skill{Add, 2}, []int{-1, 2}, nil},
		{Skill{Add, 2}, []int{1, math.MinInt}, nil},
		{Skill{Add, 2}, []int{1, math.MaxInt}, nil},
		{Skill{Add, 2}, []int{1, 2}, []Op{'+'}},
		{Skill{Composite, 1}, []int{1, 2, 3}, nil},
		{Skill{Composite, 1}, []int{1, 2, 3}, []Op{'+'}},
		{Skill{Composite, 1}, []int{1, 2, 3}, []Op{'+', '/'}},
		{Skill{Composite, 1}, []int{1, 2, 10}, []Op{'+', '+'}},
		{Skill{Composite, 1}, []int{1, 2}, []Op{'+', '+'}},
		{Skill{DigitSum, 4}, []int{10000}, nil},
		{Skill{DigitSum, 4}, []int{1, 2}, nil},
	}
	for _, tt := range tests {
		if p, err := NewProblem(tt.s, tt.x, tt.ops); err == nil || !strings.HasPrefix(err.Error(), "arith: ") {
			t.Errorf("NewProblem(%v, %v, %q) = %v, %v; want arith error", tt.s, tt.x, tt.ops, p, err)
		}
	}
	// NewProblem copies its arguments.
	x, ops := []int{1, 2, 3}, []Op{'+', '+'}
	p, err := NewProblem(Skill{Composite, 1}, x, ops)
	if err != nil {
		t.Fatal(err)
	}
	x[0], ops[0] = 9, '*'
	if p.String() != "(1+2)+3" {
		t.Errorf("NewProblem aliases its arguments: %v", p)
	}
}

func TestMalformedProblemDoesNotPanic(t *testing.T) {
	bad := []Problem{
		{},
		{Skill: Skill{Add, 2}},
		{Skill: Skill{Add, 2}, Operands: []int{-5, 1234}},
		{Skill: Skill{Composite, 1}, Operands: []int{1, 2, 3}, Ops: []Op{'/', '+'}},
		{Skill: Skill{Kind(42), 3}, Operands: []int{math.MinInt, math.MaxInt}},
		{Skill: Skill{Mul, 1}, Operands: []int{3, 7}, Width: 5, Work: true},                         // mul1 has no working
		{Skill: Skill{Composite, 1}, Operands: []int{1, 2, 3}, Ops: []Op{OpSub, OpAdd}, Work: true}, // no width
		{Skill: Skill{Mul, 2}, Operands: []int{95}, Width: 5, Work: true},
		{Skill: Skill{Mul, 2}, Operands: []int{-5, 1234}, Width: 5, Work: true}, // operands out of range
		{Skill: Skill{Composite, 1}, Operands: []int{1, 12, 3}, Ops: []Op{OpSub, OpAdd}, Width: 5, Work: true},
	}
	for _, p := range bad {
		_ = p.String()
		_ = p.English()
		_ = HeldOut(p)
		e := Expected(p)
		_, _ = WellWritten(p, e), p.AnswerLen()
		_, _ = DecodeAnswer(p.FinalAnswer(e))
		if _, err := p.Worked(); err == nil {
			t.Errorf("(%v).Worked() = nil error; want error", p)
		}
		for _, tok := range Encode(p) {
			if int(tok) >= VocabSize {
				t.Errorf("Encode(%v) has out-of-vocabulary token %d", p, tok)
			}
		}
		if _, err := p.WithDigits(3); err == nil {
			t.Errorf("(%v).WithDigits(3) = nil error; want error", p)
		}
	}
}

func TestDecodeAnswer(t *testing.T) {
	tests := []struct {
		in        string
		want      int
		ok        bool
		canonical bool
	}{
		{"341$", 143, true, true},
		{"0$", 0, true, true},
		{"04$", 40, true, true},
		{"30916-$", -38097, true, true}, // 100000 - 38097 = 61903
		{"9-$", -1, true, true},
		{"3-$", -7, true, true},
		{"0-$", -10, true, true},
		{"00-$", -100, true, true},
		{"66-$", -34, true, true},
		{"040$", 40, true, false},  // a leading zero, written last
		{"00$", 0, true, false},    // two zeros
		{"1000$", 1, true, false},  //
		{"39-$", -7, true, false},  // a redundant nine: 93 - 100
		{"399-$", -7, true, false}, //
		{"09-$", -10, true, false}, //
		{"999999999999999999$", 999999999999999999, true, true},
		{"100000000000000000-$", -999999999999999999, true, true},
		{"000000000000000000-$", -1000000000000000000, true, true},
		{"0000000000000000000-$", 0, false, false}, // 19 digits overflow with a sign too
		{"0000000000000000001$", 0, false, false},  // 19 digits overflow even if the value is small
		{"9999999999999999999$", 0, false, false},
		{strings.Repeat("9", 100) + "$", 0, false, false},
		{"", 0, false, false},
		{"$", 0, false, false},
		{"-", 0, false, false},
		{"-$", 0, false, false},
		{"--1$", 0, false, false},
		{"341", 0, false, false},   // missing End (truncated)
		{"341$$", 0, false, false}, // tokens after End
		{"341$1", 0, false, false},
		{"341$.", 0, false, false}, // even Pad after End
		{"3.41$", 0, false, false}, // Pad inside
		{"^341$", 0, false, false}, // BOS
		{"3^41$", 0, false, false},
		{"34-1$", 0, false, false},   // sign in the middle
		{"-79083$", 0, false, false}, // sign first: the form before ten's complement
		{"-1$", 0, false, false},
		{"-0$", 0, false, false},
		{"341--$", 0, false, false},
		{"341-", 0, false, false}, // missing End after the sign
		{"341-1$", 0, false, false},
		{"+341$", 0, false, false},
		{"(3)$", 0, false, false},
		{"3=$", 0, false, false},
	}
	for _, tt := range tests {
		ts, err := Tokenize(tt.in)
		if err != nil {
			t.Fatalf("Tokenize(%q): %v", tt.in, err)
		}
		got, err := DecodeAnswer(ts)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("DecodeAnswer(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "arith: decode answer") {
			t.Errorf("DecodeAnswer(%q) error %q lacks the package prefix", tt.in, err)
		}
		if c := Canonical(ts); c != tt.canonical {
			t.Errorf("Canonical(%q) = %v; want %v", tt.in, c, tt.canonical)
		}
	}
	// Out-of-vocabulary tokens are errors, not panics.
	if _, err := DecodeAnswer([]Token{1, 200, End}); err == nil {
		t.Errorf("DecodeAnswer(1, 200, End) succeeded")
	}
}

func TestEncodeAnswerRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	values := []int{0, 1, -1, 9, -9, 10, -10, 40, 143, -38097, 1e17, -1e17, 999999999999999999, -999999999999999999}
	for range 2000 {
		values = append(values, rng.IntN(2e6)-1e6, int(rng.Int64N(2e18))-1e18+1)
	}
	for _, x := range values {
		ts := EncodeAnswer(x)
		got, err := DecodeAnswer(ts)
		if err != nil || got != x {
			t.Fatalf("DecodeAnswer(EncodeAnswer(%d) = %q) = %d, %v", x, Render(ts), got, err)
		}
		if !Canonical(ts) {
			t.Fatalf("Canonical(EncodeAnswer(%d) = %q) = false", x, Render(ts))
		}
		if ts[len(ts)-1] != End {
			t.Fatalf("EncodeAnswer(%d) = %q does not end with End", x, Render(ts))
		}
	}
	// Beyond MaxAnswerDigits EncodeAnswer still works; DecodeAnswer refuses.
	for _, x := range []int{math.MaxInt, math.MinInt, 1e18, -1e18 - 1} {
		ts := EncodeAnswer(x)
		if _, err := DecodeAnswer(ts); err == nil {
			t.Errorf("DecodeAnswer(EncodeAnswer(%d)) succeeded; want overflow error", x)
		}
	}
	// |MinInt| = 9223372036854775808 needs k = 19: 10^19 - |MinInt| = 776627963145224192,
	// padded to 19 digits.
	if got := Render(EncodeAnswer(math.MinInt)); got != "2914225413697266770-$" {
		t.Errorf("EncodeAnswer(MinInt) = %q", got)
	}
}

// TestEncodeAnswerIsColumnArithmetic checks the claim the answer form rests on: the canonical
// answer of a+b or a-b is what schoolbook column arithmetic writes, one column at a time from the
// units, with the carry or borrow out of the top column deciding the last token (a digit 1 for a
// sum, '-' for a difference), and redundant top digits (0s, or 9s before '-') dropped.
// column writes a±b by schoolbook column arithmetic over w columns, least significant first:
// each digit from the two operand digits and the carry (or borrow) of the column before, then
// '-' if a borrow is left over, then End. With trim, redundant zeros (or nines before '-') are
// dropped and a carry out of the last column becomes a digit, as EncodeAnswer writes; without,
// exactly w digits, as the column layout writes its answers.
func column(a, b, w int, sub, trim bool) string {
	var ds []byte
	c := 0 // carry (add) or borrow (sub) into the next column
	for range w {
		var d int
		if sub {
			d = a%10 - b%10 - c
			c = 0
			if d < 0 {
				d, c = d+10, 1
			}
		} else {
			d = a%10 + b%10 + c
			c = d / 10
			d %= 10
		}
		ds = append(ds, byte('0'+d))
		a, b = a/10, b/10
	}
	neg := sub && c == 1
	if trim {
		if !sub && c == 1 {
			ds = append(ds, '1')
		}
		pad := byte('0')
		if neg {
			pad = '9'
		}
		for len(ds) > 1 && ds[len(ds)-1] == pad {
			ds = ds[:len(ds)-1]
		}
	}
	if neg {
		ds = append(ds, '-')
	}
	return string(ds) + "$"
}

func TestEncodeAnswerIsColumnArithmetic(t *testing.T) {
	check := func(a, b, w int) {
		t.Helper()
		if got, want := Render(EncodeAnswer(a-b)), column(a, b, w, true, true); got != want {
			t.Fatalf("EncodeAnswer(%d-%d) = %q; column subtraction at width %d writes %q", a, b, got, w, want)
		}
		if got, want := Render(EncodeAnswer(a+b)), column(a, b, w, false, true); got != want {
			t.Fatalf("EncodeAnswer(%d+%d) = %q; column addition at width %d writes %q", a, b, got, w, want)
		}
	}
	for a := range 100 { // every 2-digit pair
		for b := range 100 {
			check(a, b, 2)
		}
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for range 20000 {
		w := 1 + rng.IntN(9)
		n := int(pow10(w))
		a, b := rng.IntN(n), rng.IntN(n)
		check(a, b, w)
		check(a, b, w+3) // padding the operands with zeros changes nothing
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, s := range AllSkills() {
		a := rand.New(rand.NewPCG(42, 1))
		b := rand.New(rand.NewPCG(42, 1))
		for range 50 {
			p, q := Generate(s, a), Generate(s, b)
			if !equalProblems(p, q) {
				t.Fatalf("Generate(%v) with equal seeds: %v != %v", s, p, q)
			}
			if p.Skill != s || !p.wellFormed() || p.Answer != reference(p) {
				t.Fatalf("Generate(%v) = %#v", s, p)
			}
		}
	}
}

// TestGenerateUniform checks that every operand digit value and every operator turn up with about
// the right frequency.
func TestGenerateUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 9000
	var ops [256]int
	var first [10]int
	for range n {
		p := Generate(Skill{Composite, 1}, rng)
		ops[p.Ops[0]]++
		ops[p.Ops[1]]++
		first[p.Operands[0]]++
	}
	for _, o := range allOps {
		if c := ops[o]; c < 2*n/3-400 || c > 2*n/3+400 {
			t.Errorf("operator %v drawn %d times in %d; want about %d", o, c, 2*n, 2*n/3)
		}
	}
	for d, c := range first {
		if c < n/10-200 || c > n/10+200 {
			t.Errorf("first operand %d drawn %d times in %d; want about %d", d, c, n, n/10)
		}
	}
}

func TestGeneratePanicsOnInvalidSkill(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Generate(Skill{}) did not panic")
		}
	}()
	Generate(Skill{}, rand.New(rand.NewPCG(1, 1)))
}

func TestWithDigits(t *testing.T) {
	p, _ := NewProblem(Skill{Add, 2}, []int{7, 45}, nil)
	q, err := p.WithDigits(4)
	if err != nil || q.Skill != (Skill{Add, 4}) || Render(Encode(q)) != "^0007+0045=" || q.Answer != 52 {
		t.Errorf("WithDigits(4) = %v %q, %v", q, Render(Encode(q)), err)
	}
	q.Operands[0] = 99
	if p.Operands[0] != 7 {
		t.Errorf("WithDigits aliases Operands")
	}
	for _, n := range []int{0, 1, 7, -1} {
		if q, err := p.WithDigits(n); err == nil {
			t.Errorf("(%v).WithDigits(%d) = %v, nil; want error", p, n, q)
		}
	}
	if q, err := p.WithDigits(2); err != nil || !equalProblems(p, q) {
		t.Errorf("WithDigits(2) = %v, %v; want %v", q, err, p)
	}
	m, _ := NewProblem(Skill{Mul, 1}, []int{4, 6}, nil)
	if q, err := m.WithDigits(2); err != nil || Render(Encode(q)) != "^04*06=" {
		t.Errorf("mul1 WithDigits(2) = %v, %v", q, err)
	}
	if _, err := m.WithDigits(3); err == nil {
		t.Errorf("mul WithDigits(3) succeeded")
	}
	c, _ := NewProblem(Skill{Composite, 1}, []int{1, 2, 3}, []Op{'+', '*'})
	if _, err := c.WithDigits(2); err == nil {
		t.Errorf("comp WithDigits(2) succeeded")
	}
	if q, err := c.WithDigits(1); err != nil || !equalProblems(c, q) {
		t.Errorf("comp WithDigits(1) = %v, %v", q, err)
	}
	d, _ := NewProblem(Skill{DigitSum, 4}, []int{12}, nil)
	if _, err := d.WithDigits(2); err == nil {
		t.Errorf("dsum WithDigits(2) succeeded")
	}
}

func TestEnglish(t *testing.T) {
	for _, s := range AllSkills() {
		rng := rand.New(rand.NewPCG(5, 5))
		for range 100 {
			p := Generate(s, rng)
			q, err := ParseQuestion(p.English())
			if err == nil {
				q, err = q.WithDigits(s.Digits)
			}
			if err != nil || !equalProblems(p, q) {
				t.Fatalf("ParseQuestion(%q) = %v, %v; want %v", p.English(), q, err, p)
			}
		}
	}
}

func TestShapeAt(t *testing.T) {
	for _, tc := range []struct {
		s              Skill
		w              int
		padded         bool
		prompt, answer int
	}{
		{Skill{Add, 2}, 6, true, 15, 9},
		{Skill{Sub, 3}, 5, true, 13, 8},
		{Skill{Add, 5}, 5, true, 13, 8},
		{Skill{Add, 5}, 2, false, 13, 7}, // wider than w: its own layout
		{Skill{Add, 2}, 0, false, 7, 4},  // 0: the natural layout
		{Skill{Add, 2}, -3, false, 7, 4}, // hostile
		{Skill{Sub, 2}, 99, false, 7, 4}, // beyond the kind's MaxDigits: natural
		{Skill{Mul, 1}, 5, true, 13, 8},  // ^00003*00007= 120000$
		{Skill{Mul, 1}, 1, true, 5, 4},   // 81 fits in 2 digits
		{Skill{Mul, 2}, 3, true, 9, 6},   // 9801 fits in 4
		{Skill{Mul, 2}, 2, false, 7, 6},  // 9801 does not fit in 3: own prompt, 4 digits
		{Skill{Mul, 2}, 1, false, 7, 6},  // narrower than the operands
		{Skill{Composite, 1}, 5, false, 9, 5},
		{Skill{DigitSum, 4}, 6, false, 7, 4},
		{Skill{Kind(99), 1}, 5, false, 0, 0}, // invalid skill
	} {
		if got := tc.s.PaddedAt(tc.w); got != tc.padded {
			t.Errorf("%v.PaddedAt(%d) = %v; want %v", tc.s, tc.w, got, tc.padded)
		}
		if p, a := tc.s.ShapeAt(tc.w); p != tc.prompt || a != tc.answer {
			t.Errorf("%v.ShapeAt(%d) = %d, %d; want %d, %d", tc.s, tc.w, p, a, tc.prompt, tc.answer)
		}
	}
}

// AtWidth must keep every answer and only move digits: the prompt at a width decodes (by
// ParseQuestion of its expression) to the same problem, and it has the widened skill's length.
func TestAtWidthKeepsProblem(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range AllSkills() {
		if s.Kind != Add && s.Kind != Sub && s.Kind != Mul {
			continue
		}
		for range 50 {
			p := Generate(s, rng)
			for w := s.Digits; w <= 6; w++ {
				if !s.PaddedAt(w) {
					continue
				}
				q, err := p.AtWidth(w)
				if err != nil {
					t.Fatal(err)
				}
				ts := Encode(q)
				if want, _ := s.ShapeAt(w); len(ts) != want || len(ts) != 2*w+3 {
					t.Fatalf("Encode(%v at width %d) = %q: length %d, want %d", p, w, Render(ts), len(ts), want)
				}
				expr := Render(ts[1 : len(ts)-1])
				r, err := ParseQuestion(expr)
				if err != nil || r.Answer != p.Answer || r.String() != p.String() {
					t.Fatalf("Encode(%v at width %d) = %q reads back as %v, %v", p, w, Render(ts), r, err)
				}
			}
		}
	}
}

// TestColumnsLayout checks the column layout against column arithmetic written out by hand: the
// prompt puts digit i of both operands at fixed distances from answer digit i, and the expected
// answer is the w+1 columns of the algorithm, untrimmed.
func TestColumnsLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, s := range []Skill{{Add, 1}, {Add, 2}, {Add, 5}, {Add, 6}, {Sub, 1}, {Sub, 2}, {Sub, 5}, {Sub, 6}} {
		for w := s.Digits; w <= s.Kind.MaxDigits(); w++ {
			for range 300 {
				p0 := Generate(s, rng)
				p, err := p0.InColumns(w)
				if err != nil {
					t.Fatalf("%v.InColumns(%d): %v", p0, w, err)
				}
				a, b := p.Operands[0], p.Operands[1]
				prompt := Encode(p)
				if len(prompt) != 2*w+3 || prompt[0] != BOS || prompt[w+1] != kindOp(s.Kind).token() || prompt[2*w+2] != Equals {
					t.Fatalf("Encode(%v in columns %d) = %q", p, w, Render(prompt))
				}
				want := Expected(p)
				for i := range w { // digit i of a at 1+i, of b at w+2+i; answer digit i at 2w+3+i
					if prompt[1+i] != Token(a/int(pow10(i))%10) || prompt[w+2+i] != Token(b/int(pow10(i))%10) {
						t.Fatalf("Encode(%v in columns %d) = %q: digit %d misplaced", p, w, Render(prompt), i)
					}
				}
				if got, col := Render(want), column(a, b, w+1, s.Kind == Sub, false); got != col {
					t.Fatalf("Expected(%v in columns %d) = %q; column arithmetic over %d columns writes %q", p, w, got, w+1, col)
				}
				if v, err := DecodeAnswer(want); err != nil || v != p.Answer {
					t.Fatalf("DecodeAnswer(Expected(%v in columns %d) = %q) = %d, %v; want %d", p, w, Render(want), v, err, p.Answer)
				}
				if !WellWritten(p, want) || len(want) > p.AnswerLen() {
					t.Fatalf("Expected(%v in columns %d) = %q: WellWritten %v, AnswerLen %d", p, w, Render(want), WellWritten(p, want), p.AnswerLen())
				}
			}
		}
	}
	// In the natural layout Expected is EncodeAnswer, and WellWritten is Canonical.
	p := Generate(Skill{Sub, 3}, rng)
	if !slices.Equal(Expected(p), EncodeAnswer(p.Answer)) || p.AnswerLen() != p.Skill.MaxAnswerLen() {
		t.Errorf("natural layout: Expected(%v) = %q, AnswerLen %d", p, Render(Expected(p)), p.AnswerLen())
	}
}

// InColumns and AtWidth pose the same additions and subtractions at the same widths, and refuse
// the same ones; AtWidth also poses the other kinds (with fixed-length answers), InColumns not.
func TestInColumnsAtWidth(t *testing.T) {
	tests := []struct {
		q                string
		w                int
		colErr, widthErr string // "" for success
	}{
		{"7+45", 2, "", ""},
		{"7+45", 6, "", ""},
		{"7+45", 0, "", ""},
		{"40649-78746", 5, "", ""},
		{"7+45", 1, " 1: want 2 to 6", " 1: want 2 to 6"}, // an operand is wider
		{"7+45", 7, " 7: want 2 to 6", " 7: want 2 to 6"}, // past add's widest
		{"40649-78746", 4, " 4: want 5 to 6", " 4: want 5 to 6"},
		{"7+45", -1, "negative width", "negative width"},
		{"5*8", -1, "negative width", "negative width"},
		{"5*8", 2, "only addition and subtraction", ""},
		{"(1+2)*3", 1, "only addition and subtraction", ""},
		{"(1+2)*3", 5, "only addition and subtraction", ""}, // the width leaves its prompt alone
		{"#8606", 4, "only addition and subtraction", ""},
	}
	for _, tt := range tests {
		p, err := ParseQuestion(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		for _, pose := range []struct {
			name    string
			f       func(int) (Problem, error)
			got     func(Problem) int
			errPart string
		}{
			{"InColumns", p.InColumns, func(q Problem) int { return q.Columns }, tt.colErr},
			{"AtWidth", p.AtWidth, func(q Problem) int { return q.Width }, tt.widthErr},
		} {
			q, err := pose.f(tt.w)
			if pose.errPart == "" {
				if err != nil || pose.got(q) != tt.w || q.Answer != p.Answer || q.Skill != p.Skill || q.Columns+q.Width != tt.w {
					t.Errorf("%s.%s(%d) = %+v, %v; want it posed at %d, same problem", tt.q, pose.name, tt.w, q, err, tt.w)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), pose.errPart) {
				t.Errorf("%s.%s(%d) error = %v; want one containing %q", tt.q, pose.name, tt.w, err, pose.errPart)
			}
		}
	}
	// A problem posed one way and then the other is posed only the second way.
	p, _ := ParseQuestion("7+45")
	c, _ := p.InColumns(4)
	if q, err := c.AtWidth(5); err != nil || q.Columns != 0 || q.Width != 5 {
		t.Errorf("7+45 in columns 4, AtWidth(5) = %+v, %v; want Width 5 only", q, err)
	}
	// A malformed width makes the problem malformed.
	p, _ = ParseQuestion("5*8")
	p.Columns = 3
	if q, err := p.InColumns(0); err == nil {
		t.Errorf("InColumns of a malformed problem = %+v; want an error", q)
	}
	p, _ = ParseQuestion("7+45")
	p.Columns, p.Width = 4, 4
	if q, err := p.AtWidth(0); err == nil {
		t.Errorf("AtWidth of a problem in columns and at a width = %+v; want an error", q)
	}
}

// At a width a problem reads as in the natural layout padded to that width and is answered as in
// columns: the same Width+1 digits of column arithmetic, whatever the operands' own width.
func TestWidthLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, s := range []Skill{{Add, 1}, {Add, 2}, {Add, 5}, {Sub, 1}, {Sub, 2}, {Sub, 5}, {Sub, 6}} {
		for w := s.Digits; w <= s.Kind.MaxDigits(); w++ {
			for range 200 {
				p0 := Generate(s, rng)
				p, err := p0.AtWidth(w)
				if err != nil {
					t.Fatalf("%v.AtWidth(%d): %v", p0, w, err)
				}
				wide, err := p0.WithDigits(w)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := Encode(p), Encode(wide); !slices.Equal(got, want) {
					t.Fatalf("Encode(%v at width %d) = %q; want the padded prompt %q", p, w, Render(got), Render(want))
				}
				c, err := p0.InColumns(w)
				if err != nil {
					t.Fatal(err)
				}
				want := Expected(p)
				if !slices.Equal(want, Expected(c)) || p.AnswerLen() != c.AnswerLen() {
					t.Fatalf("Expected(%v at width %d) = %q, AnswerLen %d; want the column answer %q, %d", p, w, Render(want), p.AnswerLen(), Render(Expected(c)), c.AnswerLen())
				}
				if v, err := DecodeAnswer(want); err != nil || v != p.Answer || !WellWritten(p, want) {
					t.Fatalf("Expected(%v at width %d) = %q: decodes to %d, %v; WellWritten %v", p, w, Render(want), v, err, WellWritten(p, want))
				}
				if short := EncodeAnswer(p.Answer); len(short) != len(want) && WellWritten(p, short) {
					t.Fatalf("WellWritten(%v at width %d, %q) = true; want only %d digits", p, w, Render(short), w+1)
				}
			}
		}
	}
}

// Posed at a width, a composite, digit sum or product too wide to be padded (Skill.PaddedAt)
// keeps its prompt and is answered in exactly its skill's AnswerDigits, and a padded product in
// w+1, over every problem of those skills: the digits suffice for the largest answer and, in
// ten's complement, the most negative, and some answer needs all AnswerDigits of them.
func TestFixedAnswers(t *testing.T) {
	tests := []struct {
		s    Skill
		w    int
		want int // AnswerDigits
	}{
		{Skill{Mul, 1}, 5, 2}, {Skill{Mul, 2}, 5, 4}, {Skill{Mul, 2}, 2, 4},
		{Skill{Composite, 1}, 5, 3}, {Skill{DigitSum, 4}, 5, 2},
	}
	for _, tt := range tests {
		if got := tt.s.AnswerDigits(); got != tt.want {
			t.Errorf("%v.AnswerDigits() = %d; want %d", tt.s, got, tt.want)
		}
		digits := tt.want
		if tt.s.PaddedAt(tt.w) {
			digits = tt.w + 1
		}
		tight := false
		for _, p := range problemsOf(t, tt.s, 0) {
			q, err := p.AtWidth(tt.w)
			if err != nil {
				t.Fatalf("%v.AtWidth(%d): %v", p, tt.w, err)
			}
			if !tt.s.PaddedAt(tt.w) && !slices.Equal(Encode(q), Encode(p)) {
				t.Fatalf("Encode(%v at width %d) = %q; want its own prompt %q", p, tt.w, Render(Encode(q)), Render(Encode(p)))
			}
			want := Expected(q)
			n := len(want) - 1 // digits
			if p.Answer < 0 {
				n--
			}
			if v, err := DecodeAnswer(want); err != nil || v != p.Answer || n != digits || !WellWritten(q, want) || len(want) > q.AnswerLen() {
				t.Fatalf("Expected(%v at width %d) = %q: decodes to %d, %v; %d digits, want %d; WellWritten %v, AnswerLen %d",
					p, tt.w, Render(want), v, err, n, digits, WellWritten(q, want), q.AnswerLen())
			}
			if short := EncodeAnswer(p.Answer); len(short) != len(want) && WellWritten(q, short) {
				t.Fatalf("WellWritten(%v at width %d, %q) = true; want only %d digits", p, tt.w, Render(short), digits)
			}
			// Needing every one of AnswerDigits: a positive answer of that many digits, or a
			// negative one whose complement over them does not start with 9 (a shorter
			// complement would not say it is negative).
			top := pow10(tt.want - 1)
			tight = tight || int64(p.Answer) >= top || int64(-p.Answer) > top
		}
		if !tight {
			t.Errorf("%v: no answer needs all %d digits; AnswerDigits is not tight", tt.s, tt.want)
		}
	}
	if got := (Skill{}).AnswerDigits(); got != 0 {
		t.Errorf("Skill{}.AnswerDigits() = %d; want 0", got)
	}
}

func TestWellWritten(t *testing.T) {
	add, _ := ParseQuestion("7+45")
	add4, _ := add.InColumns(4)
	sub, _ := ParseQuestion("3-5")
	sub4, _ := sub.InColumns(4)
	tests := []struct {
		p    Problem
		text string
		want bool
	}{
		{add4, "25000$", true},
		{add4, "99999$", true},   // any value: the form is right
		{add4, "2500$", false},   // a digit short
		{add4, "250000$", false}, // a digit too many
		{add4, "52$", false},     // the natural form
		{add4, "25000-$", true},  // a negative value, well written
		{add4, "25000", false},   // no End
		{add4, "25000$$", false},
		{add4, "2500-0$", false},
		{add4, "-25000$", false},
		{add4, "", false},
		{sub4, "89999-$", true},
		{sub4, "8-$", false}, // the natural form of -2
		{add, "25$", true},   // natural layout: Canonical
		{add, "250$", false},
	}
	for _, tt := range tests {
		ts, err := Tokenize(tt.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := WellWritten(tt.p, ts); got != tt.want {
			t.Errorf("WellWritten(%v in columns %d, %q) = %v; want %v", tt.p, tt.p.Columns, tt.text, got, tt.want)
		}
	}
}
