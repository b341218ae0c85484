package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
)

func tinyRun(t *testing.T) string {
	t.Helper()
	cfg := trainer.Default()
	cfg.Model = model.Config{Vocab: arith.VocabSize, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}
	cfg.Skills = trainer.Skills{{Kind: arith.Add, Digits: 2}}
	cfg.Prompts, cfg.G, cfg.Steps, cfg.EvalSize = 4, 4, 1, 10
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

func TestAsk(t *testing.T) {
	dir := tinyRun(t)
	var out, errs bytes.Buffer
	args := []string{"-ckpt", dir, "37+45", "What is 98 plus 45?", "5+3"}
	if err := run(t.Context(), args, strings.NewReader(""), &out, &errs); err != nil {
		t.Fatalf("run(%q) = %v; stderr %s", args, err, errs.String())
	}
	for _, want := range []string{"37+45 = ", "true answer 82", "98+45 ", "true answer 143", "true answer 8\n", "least significant digit first", "  p: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "warning") {
		t.Errorf("warning for a practised skill (5+3 is add2 zero-padded):\n%s", out.String())
	}
	if got := strings.Count(out.String(), "  p: "); got != 3 {
		t.Errorf("%d probability lines; want 3:\n%s", got, out.String())
	}
}

// TestAskStdin: one question a line; bad lines get an error line, the rest are answered, and the
// run fails at the end.
func TestAskStdin(t *testing.T) {
	dir := tinyRun(t)
	var out, errs bytes.Buffer
	in := "37+45\n\n12abc\n7*8\n-5+3\n123456+654321\n99+99\n"
	err := run(t.Context(), []string{"-ckpt", dir}, strings.NewReader(in), &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "3 of 6 questions failed") {
		t.Errorf("run = %v; want 3 of 6 questions failed", err)
	}
	for _, want := range []string{"error: line 3: ", "12abc", "error: line 5: ", "error: line 6: ", "needs"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs.String())
		}
	}
	for _, want := range []string{"37+45 = ", "warning: 7*8 is mul1", "99+99 = "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}

func TestAskErrors(t *testing.T) {
	for _, args := range [][]string{{"37+45"}, {"-ckpt", t.TempDir(), "37+45"}} {
		if err := run(t.Context(), args, strings.NewReader(""), new(bytes.Buffer), new(bytes.Buffer)); err == nil {
			t.Errorf("run(%q) = nil error", args)
		}
	}
}
