// Command eval measures a checkpoint by greedy exact match on GPT-3 arithmetic files.
//
//	go run ./cmd/eval -ckpt runs/a -data two_digit_addition.jsonl [-data more.jsonl ...] [-json]
//
// The files are openai/gpt-3's data/*.jsonl (Brown et al. 2020), one question a line:
// {"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}. They are for evaluation
// only: nothing in mathzero trains or tunes on them.
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

// result is one file's score; its JSON form is the -json output.
type result struct {
	File     string            `json:"file"`
	N        int               `json:"n"`
	Correct  int               `json:"correct"`
	Accuracy float64           `json:"accuracy"`
	Mistakes []trainer.Mistake `json:"mistakes"`
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ckpt := fs.String("ckpt", "", "checkpoint folder, or run folder meaning its latest checkpoint")
	var data files
	fs.Var(&data, "data", "GPT-3 arithmetic JSONL `file` (repeatable)")
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
	if len(data) == 0 {
		return errors.New("-data is required")
	}
	policy, _, err := trainer.LoadPolicy(*ckpt)
	if err != nil {
		return err
	}
	sampler := model.NewSampler(policy)
	for _, path := range data {
		r, err := evalFile(sampler, path, *show)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(r); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s: n %d correct %d accuracy %.2f%%\n", r.File, r.N, r.Correct, 100*r.Accuracy)
		for _, m := range r.Mistakes {
			fmt.Fprintf(stdout, "  %s = %d, wrote %q\n", m.Problem, m.Want, m.Got)
		}
	}
	return nil
}

func evalFile(s *model.Sampler, path string, show int) (result, error) {
	f, err := os.Open(path)
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	examples, err := arith.ReadJSONL(f, filepath.Base(path))
	if err != nil {
		return result{}, err
	}
	problems := make([]arith.Problem, len(examples))
	for i, e := range examples {
		problems[i] = e.Problem
	}
	acc, err := trainer.Greedy(s, problems, show)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", path, err)
	}
	return result{File: filepath.Base(path), N: acc.N, Correct: acc.Correct, Accuracy: acc.Accuracy(), Mistakes: acc.Mistakes}, nil
}
