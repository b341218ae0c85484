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

// trainedRun trains a tiny run for a step and returns its folder.
func trainedRun(t *testing.T) string {
	t.Helper()
	cfg := trainer.Default()
	cfg.Steps, cfg.Prompts, cfg.G, cfg.EvalSize = 1, 2, 2, 5
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
		{[]string{"-ckpt", dir}, "-data"},
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
