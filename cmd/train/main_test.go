package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrainRunsAndSaves(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	var out, errs bytes.Buffer
	args := []string{"-out", dir, "-steps", "2", "-prompts", "4", "-g", "2", "-eval-every", "1",
		"-eval-size", "10", "-sample-every", "1", "-quiet"}
	if err := run(t.Context(), args, &out, &errs); err != nil {
		t.Fatalf("run(%q) = %v; stderr %s", args, err, errs.String())
	}
	for _, want := range []string{"step 1 ", "step 2 ", "sample ", "held-out add2:", "done: 2 steps"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"config.json", "metrics.jsonl", "latest", "step-000002/model.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder: %v", err)
		}
	}
}

func TestTrainRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-rewards", "correct=1,bogus=2"}, "bogus"},
		{[]string{"-skills", "add9"}, "add9"},
		{[]string{"-norm", "fancy"}, "fancy"},
		{[]string{"-g", "1"}, "config g: invalid value 1"},
		{[]string{"-steps", "0"}, "config steps: invalid value 0"},
		{[]string{"stray"}, "stray"},
		{[]string{"-together", "add2+mul9"}, "mul9"},
		{[]string{"-together", "add2+mul2"}, "config together: tutor: together group 1 names mul2, which is not among the skills"},
	}
	for _, tc := range tests {
		var out, errs bytes.Buffer
		err := run(t.Context(), append(tc.args, "-out", t.TempDir()), &out, &errs)
		if err == nil || !strings.Contains(err.Error()+errs.String(), tc.want) {
			t.Errorf("run(%q) = %v (stderr %q); want an error mentioning %q", tc.args, err, errs.String(), tc.want)
		}
	}
}
