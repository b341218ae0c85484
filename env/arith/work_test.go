package arith

import (
	"testing"
)

func TestWorkedExpected(t *testing.T) {
	for _, tc := range []struct {
		skill    string
		operands []int
		ops      []Op
		width    int
		want     string
	}{
		{"mul2", []int{95, 45}, nil, 5, "52540263=572400$"},
		{"mul2", []int{95, 4}, nil, 5, "02630000=083000$"},
		{"mul2", []int{0, 0}, nil, 5, "00000000=000000$"},
		{"mul2", []int{99, 99}, nil, 2, "18181818=1089$"},
		{"comp1", []int{4, 7, 3}, []Op{OpSub, OpSub}, 5, "79-=499-$"},
		{"comp1", []int{9, 9, 9}, []Op{OpMul, OpMul}, 5, "18=927$"},
		{"comp1", []int{0, 9, 9}, []Op{OpSub, OpMul}, 1, "19-=919-$"},
	} {
		s, _ := ParseSkill(tc.skill)
		p, err := NewProblem(s, tc.operands, tc.ops)
		if err != nil {
			t.Fatal(err)
		}
		p, err = p.AtWidth(tc.width)
		if err != nil {
			t.Fatal(err)
		}
		w, err := p.Worked()
		if err != nil {
			t.Fatalf("%v.Worked(): %v", p, err)
		}
		got := Render(Expected(w))
		if got != tc.want {
			t.Errorf("Expected(%v worked at %d) = %q; want %q", p, tc.width, got, tc.want)
		}
		if len(Expected(w)) > w.AnswerLen() {
			t.Errorf("%v: expected %q longer than AnswerLen %d", p, got, w.AnswerLen())
		}
		if !WellWritten(w, Expected(w)) {
			t.Errorf("WellWritten(%v, %q) = false", p, got)
		}
		v, err := DecodeAnswer(w.FinalAnswer(Expected(w)))
		if err != nil || v != p.Answer {
			t.Errorf("DecodeAnswer(FinalAnswer(%q)) = %d, %v; want %d", got, v, err, p.Answer)
		}
	}
}

func TestWorkedErrors(t *testing.T) {
	mul2, _ := ParseQuestion("95*45")
	add, _ := ParseQuestion("7+45")
	mul1, _ := ParseQuestion("3*7")
	dsum, _ := ParseQuestion("#8606")
	at := func(p Problem, w int) Problem {
		q, err := p.AtWidth(w)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	cols, _ := add.InColumns(5)
	for _, tc := range []struct {
		name string
		p    Problem
	}{
		{"own width", mul2},
		{"in columns", cols},
		{"addition", at(add, 5)},
		{"mul1", at(mul1, 5)},
		{"digit sum", at(dsum, 5)},
		{"malformed", Problem{Skill: mul2.Skill, Operands: []int{95}, Width: 5}},
		{"zero value", Problem{}},
	} {
		if q, err := tc.p.Worked(); err == nil {
			t.Errorf("%s: %v.Worked() = %+v, nil; want an error", tc.name, tc.p, q)
		}
	}
	// A worked pose is a pose: posing the problem again drops it.
	w, err := at(mul2, 5).Worked()
	if err != nil {
		t.Fatal(err)
	}
	if q := at(w, 5); q.Work || Render(Expected(q)) != "572400$" {
		t.Errorf("AtWidth(5) of a worked problem = %+v answered %q; want it unworked", q, Render(Expected(q)))
	}
	if w.String() != "95*45" || Render(Encode(w)) != "^00095*00045=" {
		t.Errorf("worked %v: String %q, prompt %q; want the problem's own", w, w.String(), Render(Encode(w)))
	}
	posed := at(mul2, 5)
	if w, err = posed.Worked(); err != nil {
		t.Fatal(err)
	}
	if w.Operands[0] = 1; posed.Operands[0] != 95 {
		t.Errorf("Worked shares its operands with the problem it was made from")
	}
}

// TestWorkedEveryProblem checks the working of every mul2 problem, and of every comp1 problem,
// against the arithmetic it stands for, at two widths.
func TestWorkedEveryProblem(t *testing.T) {
	check := func(p Problem, w int) {
		t.Helper()
		q, err := p.AtWidth(w)
		if err != nil {
			t.Fatal(err)
		}
		if q, err = q.Worked(); err != nil {
			t.Fatal(err)
		}
		e := Expected(q)
		work, ans, ok := q.SplitWork(e)
		if !ok || len(work) > q.Skill.WorkLen() || len(e) > q.AnswerLen() || !WellWritten(q, e) {
			t.Fatalf("%v at %d: Expected %q (AnswerLen %d, WorkLen %d, well written %v)", p, w, Render(e), q.AnswerLen(), q.Skill.WorkLen(), WellWritten(q, e))
		}
		if v, err := DecodeAnswer(ans); err != nil || v != p.Answer {
			t.Fatalf("%v at %d: answer %q reads %d, %v", p, w, Render(ans), v, err)
		}
		// Read the working back as its values and redo the arithmetic with them.
		var vals []int
		for len(work) > 0 {
			n := 2
			if n < len(work) && work[n] == Minus {
				n++
			}
			v, err := DecodeAnswer(append(work[:n:n], End))
			if err != nil {
				t.Fatalf("%v at %d: working %q: %v", p, w, Render(ExpectedWork(q)), err)
			}
			vals, work = append(vals, v), work[n:]
		}
		x := p.Operands
		switch p.Skill.Kind {
		case Mul:
			if len(vals) != 4 || vals[0]+10*(vals[1]+vals[2])+100*vals[3] != p.Answer ||
				vals[0] != (x[0]%10)*(x[1]%10) || vals[3] != (x[0]/10)*(x[1]/10) {
				t.Fatalf("%v at %d: working %q reads %v", p, w, Render(ExpectedWork(q)), vals)
			}
		case Composite:
			if len(vals) != 1 || p.Ops[1].apply(vals[0], x[2]) != p.Answer {
				t.Fatalf("%v at %d: working %q reads %v", p, w, Render(ExpectedWork(q)), vals)
			}
		}
	}
	mul2 := Skill{Kind: Mul, Digits: 2}
	for a := range 100 {
		for b := range 100 {
			p, _ := NewProblem(mul2, []int{a, b}, nil)
			check(p, 2)
			check(p, 5)
		}
	}
	comp := Skill{Kind: Composite, Digits: 1}
	for i := range 1000 {
		for _, o1 := range allOps {
			for _, o2 := range allOps {
				p, _ := NewProblem(comp, []int{i / 100, i / 10 % 10, i % 10}, []Op{o1, o2})
				check(p, 1)
				check(p, 5)
			}
		}
	}
}

func TestWorkedWellWritten(t *testing.T) {
	mul2, _ := ParseQuestion("95*45")
	comp, _ := ParseQuestion("(4-7)-3")
	m, _ := mul2.AtWidth(5)
	m, _ = m.Worked()
	c, _ := comp.AtWidth(5)
	c, _ = c.Worked()
	for _, tt := range []struct {
		p    Problem
		text string
		want bool
	}{
		{m, "52540263=572400$", true},
		{m, "99999999=999999-$", true}, // any value: the form is right
		{m, "5254026=572400$", false},  // a working digit short
		{m, "525402630=572400$", false},
		{m, "5254026-3=572400$", false}, // a product is never negative
		{m, "52540263572400$", false},   // no '='
		{m, "52540263=57240$", false},   // an answer digit short
		{m, "52540263=572400", false},
		{m, "=572400$", false},
		{m, "572400$", false}, // unworked
		{m, "", false},
		{c, "79-=499-$", true},
		{c, "79=499-$", true}, // the first result's sign may be left out
		{c, "7-9=499-$", false},
		{c, "79--=499-$", false},
		{c, "79-=499-", false},
	} {
		ts, err := Tokenize(tt.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := WellWritten(tt.p, ts); got != tt.want {
			t.Errorf("WellWritten(%v worked, %q) = %v; want %v", tt.p, tt.text, got, tt.want)
		}
	}
}

func TestFinalAnswer(t *testing.T) {
	mul2, _ := ParseQuestion("95*45")
	m, _ := mul2.AtWidth(5)
	w, _ := m.Worked()
	for _, tt := range []struct {
		p          Problem
		text       string
		work, want string
		ok         bool
	}{
		{w, "52540263=572400$", "52540263", "572400$", true},
		{w, "5=2=3$", "5", "2=3$", true}, // the first '=' ends the working
		{w, "=", "", "", true},
		{w, "52540263", "52540263", "", false},
		{w, "", "", "", false},
		{m, "52540263=572400$", "", "52540263=572400$", false}, // unworked: all answer
	} {
		ts, _ := Tokenize(tt.text)
		work, ans, ok := tt.p.SplitWork(ts)
		if Render(work) != tt.work || Render(ans) != tt.want || ok != tt.ok {
			t.Errorf("SplitWork(%q, work %v) = %q, %q, %v; want %q, %q, %v", tt.text, tt.p.Work, Render(work), Render(ans), ok, tt.work, tt.want, tt.ok)
		}
		if got := Render(tt.p.FinalAnswer(ts)); got != tt.want {
			t.Errorf("FinalAnswer(%q, work %v) = %q; want %q", tt.text, tt.p.Work, got, tt.want)
		}
	}
}

// FuzzWorked reads arbitrary completions of worked problems: nothing panics, a well-written one
// always has an answer that decodes, and the partial split is a partition of the completion.
func FuzzWorked(f *testing.F) {
	for _, s := range []string{"52540263=572400$", "79-=499-$", "=", "", "5=2=3$", "99999999=999999-$"} {
		ts, _ := Tokenize(s)
		f.Add(uint8(0), tokensToBytes(ts))
		f.Add(uint8(1), tokensToBytes(ts))
	}
	mul2, _ := ParseQuestion("95*45")
	comp, _ := ParseQuestion("(4-7)-3")
	var ps []Problem
	for _, p := range []Problem{mul2, comp} {
		q, _ := p.AtWidth(5)
		q, _ = q.Worked()
		ps = append(ps, q)
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		p := ps[int(which)%len(ps)]
		ts := make([]Token, len(b))
		for i, c := range b {
			ts[i] = Token(c)
		}
		work, ans, ok := p.SplitWork(ts)
		if n := len(work) + len(ans) + btoi(ok); n != len(ts) {
			t.Fatalf("SplitWork(%q) = %q, %q, %v: %d tokens of %d", Render(ts), Render(work), Render(ans), ok, n, len(ts))
		}
		if WellWritten(p, ts) {
			if _, err := DecodeAnswer(p.FinalAnswer(ts)); err != nil || !ok || len(ts) > p.AnswerLen() {
				t.Fatalf("WellWritten(%v, %q) but its answer reads %v (AnswerLen %d)", p, Render(ts), err, p.AnswerLen())
			}
		}
	})
}
