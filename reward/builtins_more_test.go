package reward

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"mathzero/env/arith"
)

// TestNewBuiltins runs the hostile completions through closeness, length, sign and think.
// NaN in a want column means "not applicable" (ok=false).
func TestNewBuiltins(t *testing.T) {
	na := math.NaN()
	tests := []struct {
		q, c                           string
		closeness, length, sign, think float64
	}{
		// 98+45 = 143, "341$"; add3: MaxAnswerLen 4, so length falls from 0 at 4 to -1 at 8.
		{"98+45", "341$", 1, 0, na, na},                         // correct
		{"98+45", "342$", 1 / (1 + 100.0/143), 0, na, na},       // off by one digit (hundreds)
		{"98+45", "241$", 1 / (1 + 1.0/143), 0, na, na},         // off by one in the units
		{"98+45", "341-$", 1 / (1 + 1000.0/143), -0.25, na, na}, // wrong sign: reads -857
		{"98+45", "-341$", 0, -0.25, na, na},                    // a leading '-' does not decode
		{"98+45", "3410$", 1, -0.25, na, na},                    // leading (redundant) zero
		{"98+45", "", 0, 0, na, na},                             // empty
		{"98+45", "341", 0, 0, na, na},                          // truncated, no End
		{"98+45", "(=#^", 0, 0, na, na},                         // garbage
		{"98+45", "341$$$", 0, -0.5, na, na},                    // tokens after End
		{"98+45", "341$9999", 0, -1, na, na},                    // at 2M
		{"98+45", "341$99999", 0, -1, na, na},                   // beyond 2M
		{"98+45", strings.Repeat("9", 19) + "$", 0, -1, na, na}, // too many digits to decode

		// 40649-78746 = -38097, "30916-$"; sub5: MaxAnswerLen 7.
		{"40649-78746", "30916-$", 1, 0, 1, na},
		{"40649-78746", "30916$", 1 / (1 + 100000.0/38097), 0, 0, na}, // wrong sign: reads 61903
		{"40649-78746", "30917-$", 1 / (1 + 10000.0/38097), 0, 1, na}, // off by one digit: reads -28097
		{"40649-78746", "309169-$", 1, -1.0 / 7, 1, na},               // a redundant nine, one token past sub5's 7
		{"40649-78746", "", 0, 0, 0, na},
		{"40649-78746", "30916-", 0, 0, 1, na},  // truncated right after the sign
		{"40649-78746", "-", 0, 0, 0, na},       // a sign before any digit
		{"40649-78746", "-79083$", 0, 0, 0, na}, // the sign-first form
		{"40649-78746", "$", 0, 0, 0, na},       //
		{"40649-78746", "+79083$", 0, 0, 0, na},
		// The sign is read as partial reads it: a '-' directly after a digit and before End.
		{"3-13", "0.-$", 0, 0, 0, na},
		{"3-3", "0.-$", 0, -1.0 / 3, 1, na}, // sub1: MaxAnswerLen 3
		{"3-13", "0$-", 0, 0, 0, na},        // after End
		{"3-13", "0-0$", 0, 0, 0, na},       // '-' inside the digits is garbage, not the sign
		{"3-13", "0--$", 0, 0, 0, na},       //

		// 3-3 = 0: a digit is the right sign; closeness divides by max(1, 0).
		{"3-3", "0$", 1, 0, 1, na},
		{"3-3", "0-$", 1 / 11.0, 0, 0, na}, // spurious sign: reads -10
		{"3-3", "1$", 0.5, 0, 1, na},
		{"3-3", "1-$", 0.1, 0, 0, na}, // reads -9

		// (0-9)*9 = -81, "91-$": composites apply to sign.
		{"(0-9)*9", "91-$", 1, 0, 1, na},
		{"(0-9)*9", "91$", 1 / (1 + 100.0/81), 0, 0, na}, // reads 19
		{"(1+2)*3", "9$", 1, 0, 1, na},
		// #8606 = 20 and 5*8 = 40: sign n/a.
		{"#8606", "02$", 1, 0, na, na},
		{"5*8", "040$", 1, -1.0 / 3, na, na}, // mul1: MaxAnswerLen 3
	}
	check := func(name string, f Func, q, s string, want float64) {
		t.Helper()
		got, ok := f(problem(t, q), completion(t, s))
		if math.IsNaN(want) {
			if ok {
				t.Errorf("%s(%s, %q) = %v, true; want n/a", name, q, s, got)
			}
			return
		}
		if !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("%s(%s, %q) = %v, %v; want %v, true", name, q, s, got, ok, want)
		}
	}
	for _, tt := range tests {
		check("Closeness", Closeness, tt.q, tt.c, tt.closeness)
		check("Length", Length, tt.q, tt.c, tt.length)
		check("Sign", Sign, tt.q, tt.c, tt.sign)
		check("Think", Think, tt.q, tt.c, tt.think)
	}
}

// TestBuiltinsInRange checks every built-in against its declared [Min, Max] on hostile input,
// including tokens outside the vocabulary.
func TestBuiltinsInRange(t *testing.T) {
	texts := []string{"", "$", "-", "341$", "-341$", "3410$", "341", "341$$$", "(=#^.", strings.Repeat("9", 40)}
	for _, q := range []string{"98+45", "40649-78746", "3-3", "(0-9)*9", "#8606", "5*8"} {
		p := problem(t, q)
		for _, rw := range Builtins() {
			for _, s := range texts {
				c := completion(t, s)
				if got, ok := rw.Score(p, c); ok && (got < rw.Min || got > rw.Max || math.IsNaN(got)) {
					t.Errorf("%s(%s, %q) = %v; outside [%v, %v]", rw.Name, q, s, got, rw.Min, rw.Max)
				}
			}
			c := Completion{Tokens: append(completion(t, "34").Tokens, 200, 255)}
			if got, ok := rw.Score(p, c); ok && (got < rw.Min || got > rw.Max) {
				t.Errorf("%s(%s, out of vocabulary) = %v; outside [%v, %v]", rw.Name, q, got, rw.Min, rw.Max)
			}
		}
	}
}

// TestBuiltinsRandom: on random completions of every skill, each built-in stays in its declared
// range, and every built-in that applies (think never does) gives a canonical correct answer its maximum.
func TestBuiltinsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	reg := Builtins()
	for _, s := range arith.AllSkills() {
		for range 200 {
			p := arith.Generate(s, rng)
			for _, c := range []Completion{randomCompletion(rng, p), {Tokens: arith.EncodeAnswer(p.Answer)}} {
				for _, rw := range reg {
					got, ok := rw.Score(p, c)
					if ok && (math.IsNaN(got) || got < rw.Min || got > rw.Max) {
						t.Fatalf("%s(%v, %q) = %v; outside [%v, %v]", rw.Name, p, c.Text(), got, rw.Min, rw.Max)
					}
				}
			}
			c := Completion{Tokens: arith.EncodeAnswer(p.Answer)}
			for _, name := range []string{"correct", "format", "partial", "closeness", "sign", "length"} {
				rw := reg[name]
				if got, ok := rw.Score(p, c); ok && got != rw.Max {
					t.Fatalf("%s(%v, %q) = %v; want its max %v", name, p, c.Text(), got, rw.Max)
				}
			}
		}
	}
}
