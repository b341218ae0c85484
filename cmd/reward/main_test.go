package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden compares the table and lint of a few compositions with testdata/*.golden.
func TestGolden(t *testing.T) {
	for _, tt := range []struct{ file, spec string }{
		{"default.golden", "correct=1,format=0.1,partial=0.5"},
		{"new.golden", "closeness=1,length=0.5,sign=0.2,think=1"},
		{"hacked.golden", "format=1,correct=0"},
	} {
		var out, errOut strings.Builder
		if err := run(context.Background(), []string{"-rewards", tt.spec}, &out, &errOut); err != nil {
			t.Fatalf("run(-rewards %s) = %v", tt.spec, err)
		}
		path := filepath.Join("testdata", tt.file)
		if *update {
			if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if out.String() != string(want) {
			t.Errorf("run(-rewards %s) output differs from %s:\n%s", tt.spec, path, out.String())
		}
	}
}

func TestBadArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"-rewards", "nope=1"}, `unknown reward "nope"`},
		{[]string{"-rewards", ""}, "empty spec"},
		{[]string{"-g", "1"}, "-g >= 2"},
		{[]string{"-problems", "0"}, "-problems must be >= 1"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-xray"}, "-xray needs -ckpt"},
		{[]string{"-xray", "-ckpt", "x", "-groups", "0"}, "-groups >= 1"}, // before x is found missing
		{[]string{"-ckpt", filepath.Join(t.TempDir(), "missing")}, "missing"},
	} {
		var out, errOut strings.Builder
		if err := run(context.Background(), tc.args, &out, &errOut); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v; want an error containing %q", tc.args, err, tc.want)
		}
	}
}

// TestForecast samples a freshly initialised tiny policy: p is near 0, so every skill starves.
func TestForecast(t *testing.T) {
	cfg := trainer.Default()
	cfg.Model = model.Config{Vocab: arith.VocabSize, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}
	cfg.Skills = trainer.Skills{{Kind: arith.Add, Digits: 2}, {Kind: arith.Sub, Digits: 1}}
	cfg.Prompts, cfg.G = 2, 4
	tr, err := trainer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"-ckpt", dir, "-problems", "8"}, &out, &errOut); err != nil {
		t.Fatalf("run(-ckpt) = %v", err)
	}
	for _, want := range []string{"problems x G=4", "add2 ", "sub1 ", "warning: add2: only", "starves"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("forecast output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestXRay X-rays a freshly initialised tiny policy's batch.
func TestXRay(t *testing.T) {
	cfg := trainer.Default()
	cfg.Model = model.Config{Vocab: arith.VocabSize, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}
	cfg.Skills = trainer.Skills{{Kind: arith.Add, Digits: 1}}
	cfg.Prompts, cfg.G = 2, 4
	tr, err := trainer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"-ckpt", dir, "-xray", "-groups", "2"}, &out, &errOut); err != nil {
		t.Fatalf("run(-xray) = %v", err)
	}
	for _, want := range []string{"2 groups x G=4", "(the run's)", "group 1:", "group 2:", "partial*1",
		"GRPO (per sequence)", "DAPO (per token) *", "Dr. GRPO (constant)", "top 1", "groups carry no signal"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-xray output lacks %q:\n%s", want, out.String())
		}
	}
}
