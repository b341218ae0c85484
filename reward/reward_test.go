package reward

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"mathzero/env/arith"
)

func problem(t *testing.T, q string) arith.Problem {
	t.Helper()
	p, err := arith.ParseQuestion(q)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func completion(t *testing.T, s string) Completion {
	t.Helper()
	ts, err := arith.Tokenize(s)
	if err != nil {
		t.Fatal(err)
	}
	return Completion{Tokens: ts}
}

// tokenScores renders per-token scores as a string of '1' and '0' for compact tables.
func tokenScores(xs []float64) string {
	var b strings.Builder
	for _, x := range xs {
		switch x {
		case 1:
			b.WriteByte('1')
		case 0:
			b.WriteByte('0')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

func TestBuiltins(t *testing.T) {
	long := strings.Repeat("9", 200) + "$"
	tests := []struct {
		q, c    string
		correct float64
		format  float64
		partial float64
		tokens  string // PartialTokens as 1s and 0s
	}{
		// 98+45 = 143, written "341$" (T = 3).
		{"98+45", "341$", 1, 1, 1, "1111"},
		{"98+45", "441$", 0, 1, 4.0 / 5, "0111"},         // wrong units digit
		{"98+45", "351$", 0, 1, 4.0 / 5, "1011"},         // wrong tens digit
		{"98+45", "342$", 0, 1, 4.0 / 5, "1101"},         // wrong hundreds digit (off by one)
		{"98+45", "34$", 0, 1, 3.0 / 5, "110"},           // a digit short: End too early
		{"98+45", "3411$", 0, 1, 4.0 / 6, "11100"},       // a digit too many
		{"98+45", "3410$", 1, 0, 4.0 / 6, "11100"},       // redundant zero: correct value, not canonical
		{"98+45", "143$", 0, 1, 3.0 / 5, "0101"},         // written most significant first
		{"98+45", "341-$", 0, 1, 4.0 / 5, "11101"},       // spurious sign (reads -857)
		{"98+45", "-341$", 0, 0, 5.0 / 6, "01111"},       // a leading '-' is garbage
		{"98+45", "341", 0, 0, 4.0 / 5, "111"},           // truncated: no End
		{"98+45", "", 0, 0, 1.0 / 5, ""},                 // nothing at all
		{"98+45", "$", 0, 0, 1.0 / 5, "0"},               // End only
		{"98+45", "-", 0, 0, 1.0 / 6, "0"},               // '-' only: garbage, no sign written
		{"98+45", "-$", 0, 0, 1.0 / 6, "00"},             //
		{"98+45", "341$$", 0, 0, 5.0 / 6, "11110"},       // token after End
		{"98+45", "341$3", 0, 0, 5.0 / 6, "11110"},       //
		{"98+45", "341$....", 0, 0, 5.0 / 9, "11110000"}, // Pad after End
		{"98+45", "3^41$", 0, 0, 5.0 / 6, "10111"},       // BOS inside: digits stay aligned
		{"98+45", "3.41$", 0, 0, 5.0 / 6, "10111"},       // Pad inside
		{"98+45", "(341$", 0, 0, 5.0 / 6, "01111"},       // garbage first costs only its own token
		{"98+45", "34-1$", 0, 0, 5.0 / 6, "11011"},       // '-' in the middle is garbage: digits stay aligned
		{"98+45", "3--41$", 0, 0, 5.0 / 7, "100111"},     //
		{"98+45", "^07+45=", 0, 0, 1.0 / 9, "0000000"},   // the prompt echoed
		{"98+45", long, 0, 0, 1.0 / 202, strings.Repeat("0", 201)},

		// 40649-78746 = -38097, written "30916-$" (100000-38097 = 61903; T = 5).
		{"40649-78746", "30916-$", 1, 1, 1, "1111111"},
		{"40649-78746", "30916$", 0, 1, 6.0 / 7, "111110"},   // missing sign: charged to the End where it was due
		{"40649-78746", "30917-$", 0, 1, 6.0 / 7, "1111011"}, // wrong top digit (reads -28097)
		{"40649-78746", "3091-$", 0, 1, 5.0 / 7, "111100"},   // a digit short: the sign too early
		{"40649-78746", "-30916-$", 0, 0, 7.0 / 8, "01111111"},
		{"40649-78746", "-79083$", 0, 0, 1.0 / 8, "0000000"},   // the sign-first form: garbage, wrong digits
		{"40649-78746", "3-0916-$", 0, 0, 7.0 / 8, "10111111"}, // '-' too early is garbage; the last is the sign
		{"40649-78746", "30916--$", 0, 0, 6.0 / 9, "11111100"}, // no sign: '-' then '-' then End
		{"40649-78746", "30916-1$", 0, 0, 5.0 / 9, "11111100"}, // '-' not before End: garbage; a digit too many
		// 3-13 = -10, "0-$" (T = 1).
		{"3-13", "0-$", 1, 1, 1, "111"},
		{"3-13", "09-$", 1, 0, 2.0 / 4, "1000"}, // correct value, redundant nine

		// Zero and redundant zeros: 3-3 = 0 (T = 1).
		{"3-3", "0$", 1, 1, 1, "11"},
		{"3-3", "0-$", 0, 1, 2.0 / 3, "101"}, // spurious sign: reads -10
		{"3-3", "00$", 1, 0, 2.0 / 4, "100"}, // correct value, redundant zero
		{"3-3", "1$", 0, 1, 2.0 / 3, "01"},

		// 5*8 = 40, "04$": the leading-zero case of the answer format.
		{"5*8", "04$", 1, 1, 1, "111"},
		{"5*8", "040$", 1, 0, 3.0 / 5, "1100"},
		{"5*8", "4$", 0, 1, 1.0 / 4, "00"},

		// (0-9)*9 = -81, "91-$".
		{"(0-9)*9", "91-$", 1, 1, 1, "1111"},
		{"(0-9)*9", "91$", 0, 1, 3.0 / 4, "110"},
		{"(0-9)*9", "-18$", 0, 0, 1.0 / 5, "0000"},
		// #8606 = 20, "02$".
		{"#8606", "02$", 1, 1, 1, "111"},
		{"#8606", "20$", 0, 0, 2.0 / 4, "001"}, // 2 with a redundant zero,
	}
	for _, tt := range tests {
		p := problem(t, tt.q)
		c := completion(t, tt.c)
		if got, ok := Correct(p, c); got != tt.correct || !ok {
			t.Errorf("Correct(%s, %q) = %v, %v; want %v, true", tt.q, tt.c, got, ok, tt.correct)
		}
		if got, ok := Format(p, c); got != tt.format || !ok {
			t.Errorf("Format(%s, %q) = %v, %v; want %v, true", tt.q, tt.c, got, ok, tt.format)
		}
		if got, ok := Partial(p, c); math.Abs(got-tt.partial) > 1e-12 || !ok {
			t.Errorf("Partial(%s, %q) = %v, %v; want %v, true", tt.q, tt.c, got, ok, tt.partial)
		}
		if got := tokenScores(PartialTokens(p, c)); got != tt.tokens {
			t.Errorf("PartialTokens(%s, %q) = %s; want %s", tt.q, tt.c, got, tt.tokens)
		}
	}
}

// TestOutOfVocabulary feeds token values beyond the vocabulary: no panics, no credit for them.
func TestOutOfVocabulary(t *testing.T) {
	p := problem(t, "98+45")
	c := Completion{Tokens: []arith.Token{3, 200, 4, 1, arith.End}}
	if got, _ := Correct(p, c); got != 0 {
		t.Errorf("Correct = %v; want 0", got)
	}
	if got := tokenScores(PartialTokens(p, c)); got != "10111" {
		t.Errorf("PartialTokens = %s; want 10111", got)
	}
	if c.Text() != "3?41$" {
		t.Errorf("Text() = %q", c.Text())
	}
}

// randomCompletion returns a short completion biased towards plausible answers.
func randomCompletion(rng *rand.Rand, p arith.Problem) Completion {
	want := arith.EncodeAnswer(p.Answer)
	n := rng.IntN(len(want) + 4)
	ts := make([]arith.Token, n)
	for k := range ts {
		switch r := rng.IntN(10); {
		case r < 5 && k < len(want):
			ts[k] = want[k]
		case r < 8:
			ts[k] = arith.Token(rng.IntN(10))
		default:
			ts[k] = arith.Token(rng.IntN(arith.VocabSize + 2)) // now and then out of vocabulary
		}
	}
	return Completion{Tokens: ts}
}

func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range arith.AllSkills() {
		for range 300 {
			p := arith.Generate(s, rng)
			want := arith.EncodeAnswer(p.Answer)
			c := Completion{Tokens: want}

			// The canonical answer gets full marks everywhere.
			for name, f := range map[string]Func{"correct": Correct, "format": Format, "partial": Partial} {
				if got, ok := f(p, c); got != 1 || !ok {
					t.Fatalf("%s(%v, %q) = %v, %v; want 1, true", name, p, c.Text(), got, ok)
				}
			}
			if got := tokenScores(PartialTokens(p, c)); got != strings.Repeat("1", len(want)) {
				t.Fatalf("PartialTokens(%v, %q) = %s; want all 1", p, c.Text(), got)
			}

			// One wrong digit scores 0 at exactly that token.
			digits := len(want) - 1 // End
			if p.Answer < 0 {
				digits-- // '-'
			}
			k := rng.IntN(digits)
			wrong := slices.Clone(want)
			wrong[k] = (wrong[k] + arith.Token(1+rng.IntN(9))) % 10
			sc := PartialTokens(p, Completion{Tokens: wrong})
			for j, x := range sc {
				if x != b2f(j != k) {
					t.Fatalf("PartialTokens(%v, %q) = %s; want a single 0 at %d", p, arith.Render(wrong), tokenScores(sc), k)
				}
			}
			if got, _ := Partial(p, Completion{Tokens: wrong}); got >= 1 || got <= 0 {
				t.Fatalf("Partial(%v, %q) = %v; want in (0, 1)", p, arith.Render(wrong), got)
			}

			// Random completions: scores in range, partial is 1 iff canonical and correct, and
			// token k's score depends only on tokens 0..k.
			rc := randomCompletion(rng, p)
			corr, _ := Correct(p, rc)
			form, _ := Format(p, rc)
			part, _ := Partial(p, rc)
			toks := PartialTokens(p, rc)
			if part < 0 || part > 1 || (part == 1) != (corr == 1 && form == 1) {
				t.Fatalf("Partial(%v, %q) = %v with correct %v, format %v", p, rc.Text(), part, corr, form)
			}
			if len(toks) != len(rc.Tokens) {
				t.Fatalf("PartialTokens(%v, %q) has %d scores", p, rc.Text(), len(toks))
			}
			for j := range rc.Tokens {
				prefix := PartialTokens(p, Completion{Tokens: rc.Tokens[:j+1]})
				if !slices.Equal(prefix, toks[:j+1]) {
					t.Fatalf("PartialTokens(%v) of prefix %q = %s; of %q = %s", p, arith.Render(rc.Tokens[:j+1]), tokenScores(prefix), rc.Text(), tokenScores(toks))
				}
			}

			// Where the answer is not negative, a '-' is a stray token like any other: the token
			// scores do not change when each is replaced by Pad.
			if p.Answer >= 0 {
				padded := slices.Clone(rc.Tokens)
				for j, tok := range padded {
					if tok == arith.Minus {
						padded[j] = arith.Pad
					}
				}
				if got := PartialTokens(p, Completion{Tokens: padded}); !slices.Equal(got, toks) {
					t.Fatalf("PartialTokens(%v, %q) = %s; with Pad for '-' %q = %s", p, rc.Text(), tokenScores(toks), arith.Render(padded), tokenScores(got))
				}
			}
		}
	}
}

// TestPartialMatchesSlowReference compares Partial with a direct transcription of its formula.
func TestPartialMatchesSlowReference(t *testing.T) {
	slow := func(p arith.Problem, c Completion) float64 {
		text := c.Text()
		body, after, ended := strings.Cut(text, "$")
		want := strings.TrimSuffix(strings.TrimSuffix(arith.Render(arith.EncodeAnswer(p.Answer)), "$"), "-")
		// The sign is a '-' directly after a digit and directly before End (or last).
		signed := len(body) >= 2 && body[len(body)-1] == '-' && '0' <= body[len(body)-2] && body[len(body)-2] <= '9'
		if signed {
			body = body[:len(body)-1]
		}
		var digits []byte
		garbage := len(after)
		for i := 0; i < len(body); i++ {
			if '0' <= body[i] && body[i] <= '9' {
				digits = append(digits, body[i])
			} else {
				garbage++
			}
		}
		right := 0
		for i := 0; i < len(digits) && i < len(want); i++ {
			if digits[i] == want[i] {
				right++
			}
		}
		s := 0
		if signed == (p.Answer < 0) {
			s = 1
		}
		e := 0
		if ended && len(digits) == len(want) {
			e = 1
		}
		return float64(right+s+e) / float64(max(len(digits), len(want))+2+garbage)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range arith.AllSkills() {
		for range 300 {
			p := arith.Generate(s, rng)
			c := randomCompletion(rng, p)
			for i, tok := range c.Tokens { // keep '?' (out of vocabulary) away from the string form
				if int(tok) >= arith.VocabSize {
					c.Tokens[i] = arith.Pad
				}
			}
			got, _ := Partial(p, c)
			if want := slow(p, c); math.Abs(got-want) > 1e-12 {
				t.Fatalf("Partial(%v, %q) = %v; slow reference %v", p, c.Text(), got, want)
			}
		}
	}
}

// TestColumns scores completions of problems posed in the column layout, whose expected answer
// has exactly w+1 digits (arith.Expected).
func TestColumns(t *testing.T) {
	tests := []fixedCase{
		// 7+45 in columns of 4: "25000$" (T = 5).
		{"7+45", "25000$", 1, 1, 1, "111111"},
		{"7+45", "25$", 1, 0, 3.0 / 7, "110"},       // the natural form: right value, End too early
		{"7+45", "25100$", 0, 1, 6.0 / 7, "110111"}, // a 1 in the hundreds column
		{"7+45", "25000-$", 0, 1, 6.0 / 7, "1111101"},
		// 3-5 in columns of 4: "89999-$" (T = 5; 100000 - 2).
		{"3-5", "89999-$", 1, 1, 1, "1111111"},
		{"3-5", "8-$", 1, 0, 2.0 / 7, "100"}, // the natural form
		{"3-5", "89999$", 0, 1, 6.0 / 7, "111110"},
	}
	for _, tt := range tests {
		p, err := problem(t, tt.q).InColumns(4)
		if err != nil {
			t.Fatal(err)
		}
		tt.check(t, p, "in columns")
	}
}

// fixedCase is a completion of a problem with a fixed-length answer and what the checkers make of
// it.
type fixedCase struct {
	q, c    string
	correct float64
	format  float64
	partial float64
	tokens  string
}

// check scores the case's completion of p (the case's problem, posed as how says) and compares.
// None of the completions is longer than p's AnswerLen, so none pays for length.
func (tt fixedCase) check(t *testing.T, p arith.Problem, how string) {
	t.Helper()
	c := completion(t, tt.c)
	if got, _ := Correct(p, c); got != tt.correct {
		t.Errorf("Correct(%s %s, %q) = %v; want %v", tt.q, how, tt.c, got, tt.correct)
	}
	if got, _ := Format(p, c); got != tt.format {
		t.Errorf("Format(%s %s, %q) = %v; want %v", tt.q, how, tt.c, got, tt.format)
	}
	if got, _ := Partial(p, c); math.Abs(got-tt.partial) > 1e-12 {
		t.Errorf("Partial(%s %s, %q) = %v; want %v", tt.q, how, tt.c, got, tt.partial)
	}
	if got := tokenScores(PartialTokens(p, c)); got != tt.tokens {
		t.Errorf("PartialTokens(%s %s, %q) = %s; want %s", tt.q, how, tt.c, got, tt.tokens)
	}
	if got, _ := Length(p, c); got != 0 {
		t.Errorf("Length(%s %s, %q) = %v; want 0 (AnswerLen %d)", tt.q, how, tt.c, got, p.AnswerLen())
	}
}

// TestWorked scores completions of worked problems (arith.Problem.Worked): the working's tokens
// and its '=' earn partial credit at their places, and only the answer after the '=' is read for
// correct, closeness and sign.
func TestWorked(t *testing.T) {
	tests := []fixedCase{
		// 95*45 at width 5: working "52540263" (V = U = 8), answer "572400$" (T = 6).
		{"95*45", "52540263=572400$", 1, 1, 1, "1111111111111111"},
		{"95*45", "52540263=572401$", 0, 1, 16.0 / 17, "1111111111111101"},
		{"95*45", "00000000=572400$", 1, 1, 10.0 / 17, "0000100011111111"},   // a right answer after wrong working
		{"95*45", "5254=572400$", 1, 0, 12.0 / 17, "111101111111"},           // the working cut short: '=' early
		{"95*45", "525402630=572400$", 1, 0, 16.0 / 18, "11111111001111111"}, // a token too many
		// No '=': all of it is working, and there is no answer (only its absent sign is right).
		{"95*45", "52540263", 0, 0, 9.0 / 17, "11111111"},
		{"95*45", "572400$", 0, 0, 4.0 / 17, "1001100"},                      // the answer alone is read as working
		{"95*45", "52540263=572400-$", 0, 1, 16.0 / 17, "11111111111111101"}, // a sign where none is due
		// (4-7)-3 at width 5: working "79-" (U = 3), answer "499-$" (T = 3).
		{"(4-7)-3", "79-=499-$", 1, 1, 1, "111111111"},
		{"(4-7)-3", "79=499-$", 1, 1, 7.0 / 9, "11011111"}, // the first result's sign left out
		{"(4-7)-3", "79-=499$", 0, 1, 8.0 / 9, "11111110"},
	}
	for _, tt := range tests {
		q, err := problem(t, tt.q).AtWidth(5)
		if err != nil {
			t.Fatal(err)
		}
		p, err := q.Worked()
		if err != nil {
			t.Fatal(err)
		}
		tt.check(t, p, "worked")
	}
	// The working's digits are not the answer's: 95*45's first product, 25, is not read as one.
	p, _ := problem(t, "95*45").AtWidth(5)
	p, _ = p.Worked()
	c := completion(t, "52540263=572401$") // 104275, off by 100000
	if got, _ := Closeness(p, c); math.Abs(got-1/(1+100000.0/4275)) > 1e-12 {
		t.Errorf("Closeness(95*45 worked, %q) = %v; want %v", c.Text(), got, 1/(1+100000.0/4275))
	}
	n, _ := problem(t, "(4-7)-3").AtWidth(5)
	n, _ = n.Worked()
	for text, want := range map[string]float64{"79-=499-$": 1, "79-=499$": 0, "79=499-$": 1, "79-": 0} {
		if got, _ := Sign(n, completion(t, text)); got != want {
			t.Errorf("Sign((4-7)-3 worked, %q) = %v; want %v", text, got, want)
		}
	}
}
