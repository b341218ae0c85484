// Command eval measures a checkpoint by greedy exact match on GPT-3 arithmetic files, or on
// freshly generated held-out problems of named skills.
//
//	go run ./cmd/eval -ckpt runs/a -data two_digit_addition.jsonl [-data more.jsonl ...] [-json]
//	go run ./cmd/eval -ckpt runs/a -gpt3 ../shared/data/gpt3-arithmetic   # the whole suite, with GPT-3's figures
//	go run ./cmd/eval -ckpt runs/a -skills add5,add6 -by-digits            # length generalisation
//
// The files are openai/gpt-3's data/*.jsonl (Brown et al. 2020), one question a line:
// {"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}. They are for evaluation
// only: nothing in mathzero trains or tunes on them. -by-digits splits each score by the number
// of digits of the problem's widest operand (an "n-digit" GPT-3 file draws operands uniformly
// below 10^n, so it holds shorter numbers too), which shows how a policy trained up to n digits
// does at n+1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "eval:", err)
		}
		os.Exit(1)
	}
}

// files collects repeated -data flags; each value may also list several files separated by commas.
type files []string

func (f *files) String() string { return strings.Join(*f, ",") }
func (f *files) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*f = append(*f, s)
		}
	}
	return nil
}

// result is one file's (or skill's) score; its JSON form is the -json output.
type result struct {
	File     string            `json:"file"`
	N        int               `json:"n"`
	Correct  int               `json:"correct"`
	Accuracy float64           `json:"accuracy"`
	GPT3     *float64          `json:"gpt3_few_shot,omitempty"` // GPT-3 175B few-shot accuracy, where published
	ByDigits []digitScore      `json:"by_digits,omitempty"`
	Mistakes []trainer.Mistake `json:"mistakes"`
}

// digitScore is the score on the problems whose widest operand has Digits digits.
type digitScore struct {
	Digits   int     `json:"digits"`
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
}

// gpt3Tasks are the suite's files in the order of Brown et al. 2020, Table 3.9, with GPT-3 175B's
// few-shot accuracy (percent) where the paper gives one.
var gpt3Tasks = []struct {
	file, name string
	fewShot    float64 // -1: no published figure
}{
	{"two_digit_addition.jsonl", "2D+", 100.0},
	{"two_digit_subtraction.jsonl", "2D-", 98.9},
	{"three_digit_addition.jsonl", "3D+", 80.4},
	{"three_digit_subtraction.jsonl", "3D-", 94.2},
	{"four_digit_addition.jsonl", "4D+", 25.5},
	{"four_digit_subtraction.jsonl", "4D-", 26.8},
	{"five_digit_addition.jsonl", "5D+", 9.3},
	{"five_digit_subtraction.jsonl", "5D-", 9.9},
	{"two_digit_multiplication.jsonl", "2Dx", 29.2},
	{"single_digit_three_ops.jsonl", "1DC", 21.3},
	{"six_digit_addition.jsonl", "6D+", -1},
	{"six_digit_subtraction.jsonl", "6D-", -1},
	{"sum_of_digits.jsonl", "SD", -1},
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ckpt := fs.String("ckpt", "", "checkpoint folder, or run folder meaning its latest checkpoint")
	var data files
	fs.Var(&data, "data", "GPT-3 arithmetic JSONL `file` (repeatable)")
	gpt3 := fs.String("gpt3", "", "evaluate every file of the GPT-3 arithmetic suite in `DIR`, with GPT-3's few-shot figures")
	var skills trainer.Skills
	fs.TextVar(&skills, "skills", trainer.Skills{}, "evaluate held-out problems of these skills, e.g. `add5,add6` (see -n)")
	n := fs.Int("n", 2000, "held-out problems per skill for -skills (at most its whole held-out split, scored once per problem)")
	byDigits := fs.Bool("by-digits", false, "split each score by the digits of the widest operand")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	show := fs.Int("mistakes", 5, "print the first `N` mistakes per file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		data = append(data, fs.Args()...)
	}
	if *ckpt == "" {
		return errors.New("-ckpt is required")
	}
	if *gpt3 != "" {
		for _, task := range gpt3Tasks {
			data = append(data, filepath.Join(*gpt3, task.file))
		}
	}
	if len(data) == 0 && len(skills) == 0 {
		return errors.New("-data, -gpt3 or -skills is required")
	}
	if *n < 1 {
		return fmt.Errorf("-n %d: want at least 1", *n)
	}
	policy, cfg, err := trainer.LoadPolicy(*ckpt)
	if err != nil {
		return err
	}
	sampler := model.NewSampler(policy)
	var results []result
	for _, path := range data {
		problems, err := readFile(path)
		if err != nil {
			return err
		}
		r, err := score(sampler, cfg, filepath.Base(path), problems, *show, *byDigits)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	for _, s := range skills {
		if pl, al := cfg.SkillShape(s); pl+al > cfg.Model.Ctx {
			n := pl + al
			return fmt.Errorf("-skills %s: needs %d positions, the model has %d", s, n, cfg.Model.Ctx)
		}
		// Held out of the skill's training split, from a seed other than the run's own evaluation
		// set where the skill is large enough to draw from; a small skill's held-out split is
		// enumerated, and scored once per distinct problem.
		split := " (held-out)"
		if s.Facts() {
			split = " (every fact)" // a table of facts holds nothing out (arith.FactsLimit)
		}
		r, err := score(sampler, cfg, s.String()+split, distinct(arith.HeldOutSet(s, *n, cfg.Seed+1)), *show, *byDigits)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range results {
		fmt.Fprintf(stdout, "%s: n %d correct %d accuracy %.2f%%", r.File, r.N, r.Correct, 100*r.Accuracy)
		if r.GPT3 != nil {
			fmt.Fprintf(stdout, " (GPT-3 175B few-shot %.1f%%)", *r.GPT3)
		}
		fmt.Fprintln(stdout)
		for _, d := range r.ByDigits {
			fmt.Fprintf(stdout, "  %d-digit operands: n %d correct %d accuracy %.2f%%\n", d.Digits, d.N, d.Correct, 100*d.Accuracy)
		}
		for _, m := range r.Mistakes {
			fmt.Fprintf(stdout, "  %s = %d, wrote %q\n", m.Problem, m.Want, m.Got)
		}
	}
	if len(results) > 1 {
		printTable(stdout, results)
	}
	return nil
}

// printTable prints the suite as one markdown table, the GPT-3 tasks by their paper names.
func printTable(w io.Writer, results []result) {
	fmt.Fprintln(w, "\n| task | mathzero | GPT-3 175B few-shot |")
	fmt.Fprintln(w, "|---|---:|---:|")
	for _, r := range results {
		name, ref := r.File, "-"
		for _, task := range gpt3Tasks {
			if task.file == r.File {
				name = task.name
			}
		}
		if r.GPT3 != nil {
			ref = fmt.Sprintf("%.1f%%", *r.GPT3)
		}
		fmt.Fprintf(w, "| %s | %.2f%% | %s |\n", name, 100*r.Accuracy, ref)
	}
}

func readFile(path string) ([]arith.Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	examples, err := arith.ReadJSONL(f, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	problems := make([]arith.Problem, len(examples))
	for i, e := range examples {
		problems[i] = e.Problem
	}
	return problems, nil
}

// distinct drops repeated problems, keeping the first of each.
func distinct(ps []arith.Problem) []arith.Problem {
	seen := make(map[string]bool, len(ps))
	out := ps[:0:0]
	for _, p := range ps {
		if k := p.String(); !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// score decodes every problem greedily, written as the run wrote its prompts (Config.Width).
func score(s *model.Sampler, cfg trainer.Config, name string, problems []arith.Problem, show int, byDigits bool) (result, error) {
	r := result{File: name}
	for _, task := range gpt3Tasks {
		if task.file == name && task.fewShot >= 0 {
			r.GPT3 = &task.fewShot
		}
	}
	for _, p := range problems {
		if k := p.Skill.Kind; cfg.Columns > 0 && (k == arith.Add || k == arith.Sub) && cfg.Pose(p).Columns == 0 {
			return result{}, fmt.Errorf("%s: %s has %d-digit operands, wider than the policy's -columns %d", name, p, p.Skill.Digits, cfg.Columns)
		}
		_, answer := cfg.SkillShape(p.Skill) // Greedy's cap
		if n := len(cfg.Prompt(p)) + answer; n > cfg.Model.Ctx {
			return result{}, fmt.Errorf("%s: %s (%s) needs %d positions, the model has %d", name, p, p.Skill, n, cfg.Model.Ctx)
		}
	}
	acc, err := trainer.Greedy(s, cfg, problems, show)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", name, err)
	}
	r.N, r.Correct, r.Accuracy, r.Mistakes = acc.N, acc.Correct, acc.Accuracy(), acc.Mistakes
	if !byDigits {
		return r, nil
	}
	// Split by the widest operand's digit count: one greedy pass per count keeps Greedy the only
	// decoder.
	by := make(map[int][]arith.Problem)
	for _, p := range problems {
		w := 1
		for _, x := range p.Operands {
			w = max(w, len(strconv.Itoa(x)))
		}
		by[w] = append(by[w], p)
	}
	digits := make([]int, 0, len(by))
	for d := range by {
		digits = append(digits, d)
	}
	sort.Ints(digits)
	for _, d := range digits {
		a, err := trainer.Greedy(s, cfg, by[d], 0)
		if err != nil {
			return result{}, fmt.Errorf("%s: %w", name, err)
		}
		r.ByDigits = append(r.ByDigits, digitScore{Digits: d, N: a.N, Correct: a.Correct, Accuracy: a.Accuracy()})
	}
	return r, nil
}
