package reward

import (
	"math"
	"slices"
	"strings"
	"testing"

	"mathzero/env/arith"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		spec    string
		names   []string
		weights []float64
		errPart string // substring of the error; "" for success
	}{
		{"correct=1", []string{"correct"}, []float64{1}, ""},
		{"correct=1,format=0.1,partial=0.5", []string{"correct", "format", "partial"}, []float64{1, 0.1, 0.5}, ""},
		{" correct = 1 ", []string{"correct"}, []float64{1}, ""},
		{"partial=0.5 ,\tcorrect=2", []string{"partial", "correct"}, []float64{0.5, 2}, ""},
		{"correct=0", []string{"correct"}, []float64{0}, ""},
		{"format=-0.25", []string{"format"}, []float64{-0.25}, ""},
		{"correct=1e-3", []string{"correct"}, []float64{1e-3}, ""},
		{"correct=+2", []string{"correct"}, []float64{2}, ""},

		{"", nil, nil, "empty spec"},
		{"  \n", nil, nil, "empty spec"},
		{"correct", nil, nil, `item "correct": missing =weight`},
		{"correct=", nil, nil, `item "correct=": missing weight`},
		{"correct = ", nil, nil, "missing weight"},
		{"correct=x", nil, nil, `invalid weight "x"`},
		{"correct=1x", nil, nil, `invalid weight "1x"`},
		{"correct=1=2", nil, nil, `invalid weight "1=2"`},
		{"correct=1 2", nil, nil, `invalid weight "1 2"`},
		{"correct=1,,", nil, nil, "item 2 is empty"},
		{"correct=1,", nil, nil, "item 2 is empty"},
		{",correct=1", nil, nil, "item 1 is empty"},
		{"nope=1", nil, nil, `unknown reward "nope"`},
		{"Correct=1", nil, nil, `unknown reward "Correct"`},
		{"=1", nil, nil, `unknown reward ""`},
		{"correct=1,correct=2", nil, nil, `"correct" listed twice`},
		{"correct=1, correct =2", nil, nil, "listed twice"},
		{"correct=NaN", nil, nil, "not finite"},
		{"correct=nan", nil, nil, "not finite"},
		{"correct=Inf", nil, nil, "not finite"},
		{"correct=-inf", nil, nil, "not finite"},
		{"correct=1e999", nil, nil, "invalid weight"},
		{"correct=1;format=1", nil, nil, "invalid weight"},
	}
	r := Builtins()
	for _, tt := range tests {
		m, err := r.ParseSpec(tt.spec)
		if tt.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("ParseSpec(%q) = %v, %v; want error containing %q", tt.spec, m, err, tt.errPart)
			} else if !strings.HasPrefix(err.Error(), "reward: parse spec ") || !strings.Contains(err.Error(), "(valid: closeness, correct, format, length, partial, sign, think)") {
				t.Errorf("ParseSpec(%q) error %q lacks the prefix or the valid names", tt.spec, err)
			}
			continue
		}
		if err != nil || !slices.Equal(m.Names(), tt.names) {
			t.Errorf("ParseSpec(%q) = %v, %v; want %v", tt.spec, m, err, tt.names)
			continue
		}
		for i, term := range m {
			if term.Weight != tt.weights[i] || term.Reward.Score == nil {
				t.Errorf("ParseSpec(%q)[%d] = %v %v; want weight %v", tt.spec, i, term.Reward.Name, term.Weight, tt.weights[i])
			}
		}
		// Round trip through the canonical form.
		m2, err := r.ParseSpec(m.String())
		if err != nil || m2.String() != m.String() || !slices.Equal(m2.Names(), m.Names()) {
			t.Errorf("ParseSpec(%q) = %v, %v; want %v", m.String(), m2, err, m)
		}
	}
}

func TestMixStringRoundTrip(t *testing.T) {
	r := Builtins()
	for _, w := range []float64{1, 0.1, 1.0 / 3, -2.5e-7, 1e300, math.SmallestNonzeroFloat64, 0, math.Copysign(0, -1)} {
		m := Mix{{r["correct"], w}, {r["partial"], 2 * w}}
		m2, err := r.ParseSpec(m.String())
		if err != nil || len(m2) != 2 || m2[0].Weight != w || m2[1].Weight != 2*w {
			t.Errorf("ParseSpec(%q) = %v, %v; want weights %v, %v", m.String(), m2, err, w, 2*w)
		}
	}
	if got := (Mix{}).String(); got != "" {
		t.Errorf("Mix{}.String() = %q", got)
	}
}

func TestRegistryAdd(t *testing.T) {
	score := func(arith.Problem, Completion) (float64, bool) { return 1, true }
	tests := []struct {
		rw      Reward
		errPart string
	}{
		{Reward{Name: "mylength", Doc: "one", Score: score, Min: 0, Max: 1}, ""},
		{Reward{Name: "neg_ok-2", Score: score, Min: -1, Max: 0}, ""},
		{Reward{Name: "", Score: score, Max: 1}, "empty name"},
		{Reward{Name: "correct", Score: score, Max: 1}, "already registered"},
		{Reward{Name: "a,b", Score: score, Max: 1}, "name may hold only"},
		{Reward{Name: "a=b", Score: score, Max: 1}, "name may hold only"},
		{Reward{Name: "a b", Score: score, Max: 1}, "name may hold only"},
		{Reward{Name: "é", Score: score, Max: 1}, "name may hold only"},
		{Reward{Name: "nil", Max: 1}, "nil Score"},
		{Reward{Name: "lines", Doc: "a\nb", Score: score, Max: 1}, "one line"},
		{Reward{Name: "empty", Score: score, Min: 1, Max: 1}, "bad range"},
		{Reward{Name: "upside", Score: score, Min: 1, Max: 0}, "bad range"},
		{Reward{Name: "nan", Score: score, Min: math.NaN(), Max: 1}, "bad range"},
		{Reward{Name: "inf", Score: score, Min: 0, Max: math.Inf(1)}, "bad range"},
	}
	r := Builtins()
	for _, tt := range tests {
		err := r.Add(tt.rw)
		if tt.errPart == "" {
			if err != nil {
				t.Errorf("Add(%q) = %v; want nil", tt.rw.Name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.errPart) || !strings.HasPrefix(err.Error(), "reward: add") {
			t.Errorf("Add(%q) = %v; want error containing %q", tt.rw.Name, err, tt.errPart)
		}
	}
	if got, want := r.Names(), []string{"closeness", "correct", "format", "length", "mylength", "neg_ok-2", "partial", "sign", "think"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v; want %v", got, want)
	}
	// Builtins returns a fresh registry each time.
	if got := Builtins().Names(); !slices.Equal(got, []string{"closeness", "correct", "format", "length", "partial", "sign", "think"}) {
		t.Errorf("Builtins().Names() = %v after adding to another copy", got)
	}
	var nilReg Registry
	if err := nilReg.Add(Reward{Name: "x", Score: score, Max: 1}); err == nil {
		t.Errorf("nil Registry.Add succeeded")
	}
	for name, rw := range Builtins() {
		if rw.Name != name || rw.Score == nil || rw.Doc == "" || rw.Min != min(0, rw.Max-1) || rw.Max != max(0, rw.Min+1) {
			t.Errorf("built-in %q = %+v", name, rw)
		}
		if err := (Registry{}).Add(rw); err != nil {
			t.Errorf("built-in %q does not pass Add's checks: %v", name, err)
		}
	}
}

func TestMixScore(t *testing.T) {
	r := Builtins()
	// A reward that applies only to negative answers.
	err := r.Add(Reward{Name: "negsign", Doc: "1 if a negative answer ends with '-', End", Min: 0, Max: 1,
		Score: func(p arith.Problem, c Completion) (float64, bool) {
			if p.Answer >= 0 {
				return 0, false
			}
			n := len(c.Tokens)
			return b2f(n >= 2 && c.Tokens[n-2] == arith.Minus && c.Tokens[n-1] == arith.End), true
		}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.ParseSpec("correct=1,format=0.1,partial=0.5,negsign=2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q, c  string
		total float64
		parts []float64 // NaN where not applicable
		toks  []float64 // 0.5 * PartialTokens
	}{
		{"98+45", "341$", 1 + 0.1 + 0.5, []float64{1, 1, 1, math.NaN()}, []float64{0.5, 0.5, 0.5, 0.5}},
		{"98+45", "441$", 0.1 + 0.5*0.8, []float64{0, 1, 0.8, math.NaN()}, []float64{0, 0.5, 0.5, 0.5}},
		// 3-5 = -2, written "8-$" (10-2).
		{"3-5", "2$", 0.1 + 0.5*(1.0/3), []float64{0, 1, 1.0 / 3, 0}, []float64{0, 0}},
		{"3-5", "8$", 0.1 + 0.5*(2.0/3), []float64{0, 1, 2.0 / 3, 0}, []float64{0.5, 0}},
		{"3-5", "8-$", 1 + 0.1 + 0.5 + 2, []float64{1, 1, 1, 1}, []float64{0.5, 0.5, 0.5}},
		{"3-5", "", 0, []float64{0, 0, 0, 0}, []float64{}},
	}
	for _, tt := range tests {
		p, c := problem(t, tt.q), completion(t, tt.c)
		total, parts, ok := m.Score(p, c)
		if math.Abs(total-tt.total) > 1e-12 || len(parts) != 4 || len(ok) != 4 {
			t.Errorf("Score(%s, %q) = %v, %v, %v; want total %v", tt.q, tt.c, total, parts, ok, tt.total)
			continue
		}
		for i := range parts {
			wantOK := !math.IsNaN(tt.parts[i])
			if ok[i] != wantOK || (wantOK && math.Abs(parts[i]-tt.parts[i]) > 1e-12) || (!wantOK && !math.IsNaN(parts[i])) {
				t.Errorf("Score(%s, %q): %s = %v, %v; want %v", tt.q, tt.c, m[i].Reward.Name, parts[i], ok[i], tt.parts[i])
			}
		}
		if got := m.TokenScores(p, c); !slices.Equal(got, tt.toks) {
			t.Errorf("TokenScores(%s, %q) = %v; want %v", tt.q, tt.c, got, tt.toks)
		}
	}
	if !m.HasTokens() {
		t.Errorf("HasTokens() = false for %v", m)
	}
	if lo, hi := m.Range(); lo != 0 || hi != 3.6 {
		t.Errorf("Range() = %v, %v; want 0, 3.6", lo, hi)
	}

	outcome, _ := r.ParseSpec("correct=1,format=-1")
	if outcome.HasTokens() || outcome.TokenScores(problem(t, "1+1"), completion(t, "2$")) != nil {
		t.Errorf("outcome-only mix %v has a token form", outcome)
	}
	if lo, hi := outcome.Range(); lo != -1 || hi != 1 {
		t.Errorf("Range() = %v, %v; want -1, 1", lo, hi)
	}
	if total, parts, ok := (Mix{}).Score(problem(t, "1+1"), completion(t, "2$")); total != 0 || len(parts) != 0 || len(ok) != 0 {
		t.Errorf("Mix{}.Score = %v, %v, %v", total, parts, ok)
	}
}

// TestMixTokenScoresSums checks TokenScores against the components: two token rewards add up.
func TestMixTokenScoresSums(t *testing.T) {
	r := Builtins()
	if err := r.Add(Reward{Name: "half", Doc: "0.5 per token", Min: 0, Max: 1,
		Score: func(arith.Problem, Completion) (float64, bool) { return 0.5, true },
		Tokens: func(_ arith.Problem, c Completion) []float64 {
			out := make([]float64, len(c.Tokens))
			for i := range out {
				out[i] = 0.5
			}
			return out
		}}); err != nil {
		t.Fatal(err)
	}
	m, _ := r.ParseSpec("partial=2,half=-1,correct=10")
	got := m.TokenScores(problem(t, "98+45"), completion(t, "351$"))
	want := []float64{2 - 0.5, -0.5, 2 - 0.5, 2 - 0.5}
	if !slices.Equal(got, want) {
		t.Errorf("TokenScores = %v; want %v", got, want)
	}
}

func TestMixTokenScoresBadLengthPanics(t *testing.T) {
	r := Builtins()
	r.Add(Reward{Name: "short", Min: 0, Max: 1,
		Score:  func(arith.Problem, Completion) (float64, bool) { return 0, true },
		Tokens: func(arith.Problem, Completion) []float64 { return []float64{1} }})
	m, _ := r.ParseSpec("short=1")
	defer func() {
		if e := recover(); e == nil || !strings.Contains(e.(string), "reward: short: Tokens returned 1 scores for 3 tokens") {
			t.Errorf("recover() = %v; want a panic naming the reward", e)
		}
	}()
	m.TokenScores(problem(t, "1+1"), completion(t, "2$$"))
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"", "correct", "correct=", "correct=x", "correct=1,,", "nope=1", "correct=1,correct=2",
		"correct=NaN", " correct = 1 ", "correct=1,format=0.1,partial=0.5", "partial=-1e-300", "correct=0x1p-2"} {
		f.Add(s)
	}
	r := Builtins()
	f.Fuzz(func(t *testing.T, spec string) {
		m, err := r.ParseSpec(spec)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "reward: parse spec ") {
				t.Fatalf("ParseSpec(%q) error %q lacks the prefix", spec, err)
			}
			return
		}
		if len(m) == 0 {
			t.Fatalf("ParseSpec(%q) = empty mix, nil", spec)
		}
		seen := map[string]bool{}
		for _, term := range m {
			if seen[term.Reward.Name] || term.Reward.Score == nil || math.IsNaN(term.Weight) || math.IsInf(term.Weight, 0) {
				t.Fatalf("ParseSpec(%q) = %v", spec, m)
			}
			seen[term.Reward.Name] = true
		}
		m2, err := r.ParseSpec(m.String())
		if err != nil || m2.String() != m.String() {
			t.Fatalf("ParseSpec(%q) = %v, %v; want %v", m.String(), m2, err, m)
		}
		for i := range m {
			if m2[i].Weight != m[i].Weight && !(m[i].Weight == 0 && m2[i].Weight == 0) {
				t.Fatalf("round trip of %q changed weight %d: %v -> %v", spec, i, m[i].Weight, m2[i].Weight)
			}
		}
	})
}
