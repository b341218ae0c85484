package arith

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func FuzzParseQuestion(f *testing.F) {
	for _, s := range []string{"98+45", " 12\n", "-0", "12 13", "12abc", "(9+8)*2", "#8606", "#0086",
		"What is 98 plus 45?", "What is (9 + 8) * 2?", "What is the sum of the digits of the number 8606?",
		"What is 1 plus?", "1000000000000000000000000000000+1", "٣+4", "999999-999999", "99*99", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := ParseQuestion(q)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "arith: parse question ") {
				t.Fatalf("ParseQuestion(%q) error %q lacks the prefix", q, err)
			}
			return
		}
		if !p.wellFormed() || p.Answer != reference(p) {
			t.Fatalf("ParseQuestion(%q) = %#v", q, p)
		}
		if len(Encode(p)) != p.Skill.PromptLen() || len(EncodeAnswer(p.Answer)) > p.Skill.MaxAnswerLen() {
			t.Fatalf("ParseQuestion(%q) = %v: prompt %q, answer %q", q, p, Render(Encode(p)), Render(EncodeAnswer(p.Answer)))
		}
		for _, form := range []string{p.String(), p.English()} {
			if q2, err := ParseQuestion(form); err != nil || !equalProblems(p, q2) || HeldOut(q2) != HeldOut(p) {
				t.Fatalf("ParseQuestion(%q) = %v, %v; want %v (from %q)", form, q2, err, p, q)
			}
		}
		// The skill is the narrowest that fits.
		if p.Skill.Digits > p.Skill.Kind.MinDigits() {
			if _, err := p.WithDigits(p.Skill.Digits - 1); err == nil {
				t.Fatalf("ParseQuestion(%q) = %v is not the narrowest skill", q, p.Skill)
			}
		}
	})
}

func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{"341$", "30916-$", "-79083$", "0$", "9-$", "39-$", "-0$", "040$", strings.Repeat("0", 18) + "-$", "", "$", "-", "341", "341$$", "3.41$", "^1$",
		strings.Repeat("9", 19) + "$"} {
		ts, _ := Tokenize(s)
		f.Add(tokensToBytes(ts))
	}
	f.Add([]byte{1, 200, 17})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts := make([]Token, len(b))
		for i, c := range b {
			ts[i] = Token(c)
		}
		v, err := DecodeAnswer(ts)
		canon := Canonical(ts)
		if err != nil {
			if canon {
				t.Fatalf("Canonical(%q) = true but DecodeAnswer failed: %v", Render(ts), err)
			}
			return
		}
		// 18 digits: at most 10^18-1, and down to 0-10^18 in ten's complement.
		if v >= 1e18 || v < -1e18 {
			t.Fatalf("DecodeAnswer(%q) = %d out of range", Render(ts), v)
		}
		enc := EncodeAnswer(v)
		if got, err := DecodeAnswer(enc); err != nil || got != v {
			t.Fatalf("DecodeAnswer(EncodeAnswer(%d)) = %d, %v", v, got, err)
		}
		if canon != slices.Equal(ts, enc) {
			t.Fatalf("Canonical(%q) = %v; EncodeAnswer(%d) = %q", Render(ts), canon, v, Render(enc))
		}
		// The documented rule, independently: one digit, or a top digit that is not redundant
		// (0 for a non-negative answer, 9 before '-').
		n, pad := len(ts)-1, Token(0)
		if ts[n-1] == Minus {
			n, pad = n-1, 9
		}
		if want := n == 1 || ts[n-1] != pad; canon != want {
			t.Fatalf("Canonical(%q) = %v; the rule says %v", Render(ts), canon, want)
		}
		if len(enc) > len(ts) {
			t.Fatalf("EncodeAnswer(%d) = %q is longer than %q", v, Render(enc), Render(ts))
		}
	})
}

func tokensToBytes(ts []Token) []byte {
	b := make([]byte, len(ts))
	for i, t := range ts {
		b[i] = byte(t)
	}
	return b
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "^07+45=", Vocab, " 12\n", "12abc", "٣", "\xff", "?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := Tokenize(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "arith: tokenize ") {
				t.Fatalf("Tokenize(%q) error %q lacks the prefix", s, err)
			}
			if strings.Trim(s, Vocab) == "" {
				t.Fatalf("Tokenize(%q) failed on vocabulary characters: %v", s, err)
			}
			return
		}
		for _, tok := range ts {
			if int(tok) >= VocabSize {
				t.Fatalf("Tokenize(%q) gave token %d", s, tok)
			}
		}
		if got := Render(ts); got != s {
			t.Fatalf("Render(Tokenize(%q)) = %q", s, got)
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}`))
	f.Add([]byte(`{"context": "Q: What is 1 minus 2?A:", "completion": "-1"}` + "\n\n" + `{"context": "Q: 12*3 A:", "completion": "36"}`))
	f.Add([]byte(`{"context": "Q: What is (1 + 2) * 3?\n\nA:", "completion": " 9"}`))
	f.Add([]byte(`{"context": "Q: What is the sum of the digits of the number 86?\n\nA:", "completion": " 14"}`))
	f.Add([]byte("{\n"))
	if files, _ := filepath.Glob(filepath.Join(gpt3Dir, "*.jsonl")); len(files) > 0 {
		for _, path := range files {
			if b, err := os.ReadFile(path); err == nil {
				f.Add(b[:min(len(b), 1000)])
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		exs, err := ReadJSONL(strings.NewReader(string(b)), "fuzz.jsonl")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "arith: ") {
				t.Fatalf("ReadJSONL error %q lacks the prefix", err)
			}
			return
		}
		width := map[Kind]int{}
		for _, ex := range exs {
			p := ex.Problem
			if !p.wellFormed() || p.Answer != reference(p) || len(Encode(p)) != p.Skill.PromptLen() {
				t.Fatalf("ReadJSONL gave %#v", p)
			}
			if w, ok := width[p.Skill.Kind]; ok && w != p.Skill.Digits {
				t.Fatalf("ReadJSONL gave %v problems at widths %d and %d", p.Skill.Kind, w, p.Skill.Digits)
			}
			width[p.Skill.Kind] = p.Skill.Digits
		}
	})
}
