package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mathzero/trainer"
)

// trainedRun trains a tiny run for a step and returns its folder; edit, if any, changes its
// configuration first.
func trainedRun(t *testing.T, edit ...func(*trainer.Config)) string {
	t.Helper()
	cfg := trainer.Default()
	cfg.Steps, cfg.Prompts, cfg.G, cfg.EvalSize = 1, 2, 2, 5
	for _, e := range edit {
		e(&cfg)
	}
	tr, err := trainer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Run(t.Context(), dir, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEvalJSON(t *testing.T) {
	dir := trainedRun(t)
	data := filepath.Join(t.TempDir(), "tiny.jsonl")
	lines := `{"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}
{"context": "\n\nQ: What is 0 plus 25?\n\nA:", "completion": " 25"}
`
	if err := os.WriteFile(data, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"-ckpt", dir, "-data", data, "-json"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	var r struct {
		File     string  `json:"file"`
		N        int     `json:"n"`
		Correct  int     `json:"correct"`
		Accuracy float64 `json:"accuracy"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("-json output %q: %v", out.String(), err)
	}
	if r.File != "tiny.jsonl" || r.N != 2 || r.Accuracy != float64(r.Correct)/2 {
		t.Errorf("result %+v; want file tiny.jsonl, n 2, accuracy = correct/2", r)
	}
}

func TestEvalErrors(t *testing.T) {
	dir := trainedRun(t)
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"context": "\n\nQ: What is 1 plus 2?\n\nA:", "completion": " 3"}
{"context": "\n\nQ: What is 1 plus 2?\n\nA:", "completion": " 4"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-data", bad}, "-ckpt"},
		{[]string{"-ckpt", dir}, "-data, -gpt3 or -skills"},
		{[]string{"-ckpt", dir, "-skills", "add7"}, "add7"},
		{[]string{"-ckpt", dir, "-skills", "add2", "-n", "0"}, "-n"},
		{[]string{"-ckpt", dir, "-gpt3", t.TempDir()}, "two_digit_addition.jsonl"},
		{[]string{"-ckpt", dir, "-data", bad}, "bad.jsonl:2"},
		{[]string{"-ckpt", dir, "-data", filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{"-ckpt", filepath.Join(dir, "nope"), "-data", bad}, "nope"},
	}
	for _, tc := range tests {
		var out, errs bytes.Buffer
		err := run(t.Context(), tc.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v; want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// -by-digits splits a file's score by the widest operand's digits; the parts add up to the whole,
// and a skill's held-out set is scored like a file.
func TestEvalByDigits(t *testing.T) {
	dir := trainedRun(t)
	data := filepath.Join(t.TempDir(), "mixed.jsonl")
	lines := `{"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}
{"context": "\n\nQ: What is 0 plus 25?\n\nA:", "completion": " 25"}
{"context": "\n\nQ: What is 3 plus 4?\n\nA:", "completion": " 7"}
`
	if err := os.WriteFile(data, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"-ckpt", dir, "-data", data, "-skills", "add1", "-n", "300", "-by-digits", "-json"}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	var rs []result
	for dec.More() {
		var r result
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	// add1 is a table of 100 facts, all of them its evaluation set: scored once each, however
	// many were asked for.
	if len(rs) != 2 || rs[0].File != "mixed.jsonl" || rs[1].File != "add1 (every fact)" || rs[1].N != 100 {
		t.Fatalf("results %+v; want mixed.jsonl and add1's 100 facts once each", rs)
	}
	want := map[int]int{2: 2, 1: 1} // 98+45 and 0+25 have a 2-digit operand, 3+4 none
	for _, r := range rs[:1] {
		n, correct := 0, 0
		for _, d := range r.ByDigits {
			if want[d.Digits] != d.N {
				t.Errorf("%d-digit problems: %d; want %d", d.Digits, d.N, want[d.Digits])
			}
			n, correct = n+d.N, correct+d.Correct
		}
		if n != r.N || correct != r.Correct {
			t.Errorf("by digits: %d/%d; whole file %d/%d", correct, n, r.Correct, r.N)
		}
	}
	if rs[0].GPT3 != nil {
		t.Errorf("a file outside the suite got a GPT-3 figure %v", *rs[0].GPT3)
	}
}

// -gpt3 reads the suite's files by name and prints GPT-3's figure beside each.
func TestEvalSuite(t *testing.T) {
	dir := trainedRun(t)
	suite := t.TempDir()
	line := func(q, a string) string {
		return `{"context": "\n\nQ: What is ` + q + `?\n\nA:", "completion": " ` + a + `"}` + "\n"
	}
	files := map[string]string{
		"two_digit_addition.jsonl":       line("98 plus 45", "143"),
		"two_digit_subtraction.jsonl":    line("9 minus 45", "-36"),
		"three_digit_addition.jsonl":     line("198 plus 45", "243"),
		"three_digit_subtraction.jsonl":  line("198 minus 45", "153"),
		"four_digit_addition.jsonl":      line("1 plus 2", "3"),
		"four_digit_subtraction.jsonl":   line("1 minus 2", "-1"),
		"five_digit_addition.jsonl":      line("1 plus 2", "3"),
		"five_digit_subtraction.jsonl":   line("1 minus 2", "-1"),
		"two_digit_multiplication.jsonl": line("95 times 45", "4275"),
		"single_digit_three_ops.jsonl":   line("(9 + 8) * 2", "34"),
		"six_digit_addition.jsonl":       line("1 plus 2", "3"),
		"six_digit_subtraction.jsonl":    line("1 minus 2", "-1"),
		"sum_of_digits.jsonl":            line("the sum of the digits of the number 8606", "20"),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(suite, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The default run's model (ctx 32) fits every task of the suite at its own width.
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"-ckpt", dir, "-gpt3", suite}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 2D+ |", "| 100.0% |", "| 1DC |", "21.3%", "| SD |", "| 6D- |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("suite table lacks %q:\n%s", want, out.String())
		}
	}
}

// A policy trained in the column layout is scored in it; a problem wider than its columns is an
// error naming the file and the width, not a prompt it was never shown.
func TestEvalColumns(t *testing.T) {
	dir := trainedRun(t, func(c *trainer.Config) { c.Columns = 2 })
	data := filepath.Join(t.TempDir(), "wide.jsonl")
	if err := os.WriteFile(data, []byte(`{"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}
{"context": "\n\nQ: What is 198 plus 45?\n\nA:", "completion": " 243"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-data", data}, {"-skills", "add3"}} {
		var out, errs bytes.Buffer
		err := run(t.Context(), append([]string{"-ckpt", dir}, args...), &out, &errs)
		if err == nil || !strings.Contains(err.Error(), "-columns 2") {
			t.Errorf("run(%q) = %v; want an error naming -columns 2", args, err)
		}
	}
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"-ckpt", dir, "-skills", "add2,sub1", "-n", "20"}, &out, &errs); err != nil {
		t.Errorf("run(-skills add2,sub1) = %v", err)
	}
}
