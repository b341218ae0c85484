package arith

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// gpt3Dir holds openai/gpt-3's data/*.jsonl arithmetic files when they are available.
const gpt3Dir = "/work/shared/data/gpt3-arithmetic"

func TestReadJSONLGPT3Files(t *testing.T) {
	want := map[string]Skill{
		"two_digit_addition.jsonl":       {Add, 2},
		"three_digit_addition.jsonl":     {Add, 3},
		"four_digit_addition.jsonl":      {Add, 4},
		"five_digit_addition.jsonl":      {Add, 5},
		"six_digit_addition.jsonl":       {Add, 6},
		"two_digit_subtraction.jsonl":    {Sub, 2},
		"three_digit_subtraction.jsonl":  {Sub, 3},
		"four_digit_subtraction.jsonl":   {Sub, 4},
		"five_digit_subtraction.jsonl":   {Sub, 5},
		"six_digit_subtraction.jsonl":    {Sub, 6},
		"two_digit_multiplication.jsonl": {Mul, 2},
		"single_digit_three_ops.jsonl":   {Composite, 1},
		"sum_of_digits.jsonl":            {DigitSum, 4},
	}
	if _, err := os.Stat(gpt3Dir); err != nil {
		t.Skipf("GPT-3 arithmetic files not available: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(gpt3Dir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("found %d files in %s; want %d", len(files), gpt3Dir, len(want))
	}
	for _, path := range files {
		name := filepath.Base(path)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		exs, err := ReadJSONL(f, name)
		f.Close()
		if err != nil {
			t.Errorf("ReadJSONL(%s): %v", name, err)
			continue
		}
		if len(exs) != 2000 {
			t.Errorf("ReadJSONL(%s): %d examples; want 2000", name, len(exs))
		}
		skill, ok := want[name]
		if !ok {
			t.Errorf("unexpected file %s", name)
		}
		for i, ex := range exs {
			p := ex.Problem
			if p.Skill != skill || ex.Line != i+1 {
				t.Fatalf("%s: example %d: skill %v line %d; want %v line %d", name, i, p.Skill, ex.Line, skill, i+1)
			}
			if len(Encode(p)) != skill.PromptLen() || len(EncodeAnswer(p.Answer)) > skill.MaxAnswerLen() || p.Answer != reference(p) {
				t.Fatalf("%s:%d: %v: prompt %q, answer %q", name, ex.Line, p, Render(Encode(p)), Render(EncodeAnswer(p.Answer)))
			}
		}
	}
}

func TestReadJSONL(t *testing.T) {
	const good = `{"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}`
	tests := []struct {
		name    string
		in      string
		prompts []string // Render(Encode(p)) of each example; nil for an error
		lines   []int
		errPart string
	}{
		{"one", good, []string{"^98+45="}, []int{1}, ""},
		{"crlf", good + "\r\n" + good + "\r\n", []string{"^98+45=", "^98+45="}, []int{1, 2}, ""},
		{"blank lines", "\n\n" + good + "\n   \n\t\n" + good, []string{"^98+45=", "^98+45="}, []int{3, 6}, ""},
		{"widen", `{"context": "Q: What is 0 plus 25?\nA:", "completion": "25"}` + "\n" + good,
			[]string{"^00+25=", "^98+45="}, []int{1, 2}, ""},
		{"widen per kind", `{"context": "Q: What is 1 plus 2?A:", "completion": "3"}
{"context": "Q: What is 12 times 3? A:", "completion": "36"}
{"context": "Q: What is 123 minus 4? A:", "completion": "119"}
{"context": "Q: What is 1 minus 1? A:", "completion": "0"}`,
			[]string{"^1+2=", "^12*03=", "^123-004=", "^001-001="}, []int{1, 2, 3, 4}, ""},
		{"negative", `{"context": "Q: What is 3 minus 5?\n\nA:", "completion": " -2"}`, []string{"^3-5="}, []int{1}, ""},
		{"extra field", `{"context": "Q: 1+2 A:", "completion": "3", "note": "x"}`, []string{"^1+2="}, []int{1}, ""},

		{"empty", "", nil, nil, "test.jsonl: no examples"},
		{"only blank", "\n \n", nil, nil, "no examples"},
		{"wrong answer", good + "\n" + `{"context": "Q: What is 1 plus 1?A:", "completion": " 3"}`, nil, nil, "test.jsonl:2: completion \" 3\" disagrees with 1+1 = 2"},
		{"not json", "hello", nil, nil, "test.jsonl:1: malformed JSON"},
		{"truncated json", good[:40], nil, nil, "test.jsonl:1: malformed JSON"},
		{"array", `["Q: 1+1 A:", "2"]`, nil, nil, "test.jsonl:1: malformed JSON"},
		{"two objects", good + good, nil, nil, "malformed JSON"},
		{"missing completion", `{"context": "Q: 1+1 A:"}`, nil, nil, `"completion"`},
		{"missing context", `{"completion": "2"}`, nil, nil, `"context"`},
		{"null context", `{"context": null, "completion": "2"}`, nil, nil, `"context"`},
		{"number completion", `{"context": "Q: 1+1 A:", "completion": 2}`, nil, nil, "malformed JSON"},
		{"no Q", `{"context": "What is 1 plus 1? A:", "completion": "2"}`, nil, nil, `start with "Q:"`},
		{"no A", `{"context": "Q: What is 1 plus 1?", "completion": "2"}`, nil, nil, `end with "A:"`},
		{"unknown form", `{"context": "Q: What is 1 divided by 1? A:", "completion": "1"}`, nil, nil, `unknown word "divided"`},
		{"bad completion", `{"context": "Q: 1+1 A:", "completion": " two"}`, nil, nil, "not an integer"},
		{"empty completion", `{"context": "Q: 1+1 A:", "completion": ""}`, nil, nil, "not an integer"},
		{"plus completion", `{"context": "Q: 1+1 A:", "completion": "+2"}`, nil, nil, "not an integer"},
		{"huge completion", `{"context": "Q: 1+1 A:", "completion": "99999999999999999999999"}`, nil, nil, "not an integer"},
		{"minus only", `{"context": "Q: 1+1 A:", "completion": "-"}`, nil, nil, "not an integer"},
		{"bad line 3", good + "\n" + good + "\n{", nil, nil, "test.jsonl:3:"},
		{"too long", strings.Repeat(" ", maxLineLen+10) + good, nil, nil, "test.jsonl:1: line longer than"},
	}
	for _, tt := range tests {
		exs, err := ReadJSONL(strings.NewReader(tt.in), "test.jsonl")
		if tt.prompts == nil {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) || !strings.HasPrefix(err.Error(), "arith: ") {
				t.Errorf("%s: ReadJSONL = %d examples, %v; want error containing %q", tt.name, len(exs), err, tt.errPart)
			}
			continue
		}
		if err != nil || len(exs) != len(tt.prompts) {
			t.Errorf("%s: ReadJSONL = %d examples, %v; want %d", tt.name, len(exs), err, len(tt.prompts))
			continue
		}
		for i, ex := range exs {
			if got := Render(Encode(ex.Problem)); got != tt.prompts[i] || ex.Line != tt.lines[i] {
				t.Errorf("%s: example %d = %q line %d; want %q line %d", tt.name, i, got, ex.Line, tt.prompts[i], tt.lines[i])
			}
		}
	}
}

func TestReadJSONLReaderError(t *testing.T) {
	r := iotest.TimeoutReader(strings.NewReader(strings.Repeat(`{"context": "Q: 1+1 A:", "completion": "2"}`+"\n", 1000)))
	if _, err := ReadJSONL(r, "x.jsonl"); err == nil || !strings.Contains(err.Error(), "arith: read x.jsonl") {
		t.Errorf("ReadJSONL(failing reader) = %v; want read error", err)
	}
}
