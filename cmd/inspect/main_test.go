package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
)

// tinyRun trains a tiny run of 2 steps, checkpointing both, and returns its folder.
func tinyRun(t *testing.T) string {
	t.Helper()
	cfg := trainer.Default()
	cfg.Model = model.Config{Vocab: arith.VocabSize, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}
	cfg.Skills = trainer.Skills{{Kind: arith.Add, Digits: 1}}
	cfg.Prompts, cfg.G, cfg.Steps, cfg.EvalSize, cfg.SaveEvery, cfg.EvalEvery = 4, 4, 2, 20, 1, 1
	tr, err := trainer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Run(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestInspect(t *testing.T) {
	dir := tinyRun(t)
	png := filepath.Join(t.TempDir(), "curves.png")
	var out, errs bytes.Buffer
	args := []string{"-k", "3", "-diff", filepath.Join(dir, "step-000001"), "-plot", png, dir}
	if err := run(t.Context(), args, &out, &errs); err != nil {
		t.Fatalf("run(%q) = %v; stderr %s", args, err, errs.String())
	}
	for _, want := range []string{"format version 1, step 2", `"skills": "add1"`, "tok_emb", "F32",
		"held-out greedy accuracy", "samples of ", "adv ", "partial ", "mean KL(this || other)", "relative change"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// The skills table's row, not just the header: add1, its status and level, correct/N, accuracy.
	if row := regexp.MustCompile(`(?m)^ +add1 +(learning|mastered) +\d/2 +\d+/\d+ +\d+\.\d\d% `); !row.MatchString(out.String()) {
		t.Errorf("output lacks add1's row in the skills table:\n%s", out.String())
	}
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("-plot wrote no PNG: %v", err)
	}

	out.Reset()
	if err := run(t.Context(), []string{"-json", "-k", "2", "-diff", dir, filepath.Join(dir, "step-000002")}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("-json output does not parse: %v\n%s", err, out.String())
	}
	if rep.Step != 2 || rep.Params != rep.Config.Model.NumParams() || len(rep.Tensors) == 0 || len(rep.HeldOut) != 1 ||
		len(rep.Samples) != 3 || len(rep.Samples[0].Completions) != 2 || rep.Diff == nil {
		t.Errorf("-json report incomplete: %+v", rep)
	}
	// A checkpoint against itself: no change, no KL.
	if rep.Diff.KL != 0 || rep.Diff.Positions == 0 {
		t.Errorf("diff with itself: KL %v over %d positions; want 0 over some", rep.Diff.KL, rep.Diff.Positions)
	}
	for name, c := range rep.Diff.Change {
		if c != 0 {
			t.Errorf("diff with itself: %s changed by %v", name, c)
		}
	}
	// Group advantages are centred.
	var sum float64
	for _, c := range rep.Samples[0].Completions {
		sum += c.Advantage
	}
	if sum > 1e-9 || sum < -1e-9 {
		t.Errorf("advantages of a group sum to %v; want 0", sum)
	}
}

func TestInspectErrors(t *testing.T) {
	dir := tinyRun(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "one checkpoint"},
		{[]string{filepath.Join(dir, "nope")}, "nope"},
		{[]string{"-k", "1", dir}, "-k"},
		{[]string{"-diff", filepath.Join(dir, "nope"), dir}, "nope"},
		{[]string{"-plot", filepath.Join(dir, "no", "such", "dir.png"), dir}, "dir.png"},
	}
	for _, tc := range tests {
		var out, errs bytes.Buffer
		err := run(t.Context(), tc.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v; want an error mentioning %q", tc.args, err, tc.want)
		}
	}
	// A corrupt metrics.jsonl names its line.
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte("{\"step\":1}\n{oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), []string{"-plot", filepath.Join(t.TempDir(), "a.png"), dir}, new(bytes.Buffer), new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "metrics.jsonl:2") {
		t.Errorf("plot of corrupt metrics = %v; want an error naming metrics.jsonl:2", err)
	}
}
