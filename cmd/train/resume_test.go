package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrainResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	base := []string{"-steps", "2", "-prompts", "4", "-g", "2", "-eval-every", "1", "-eval-size", "10", "-quiet", "-keep", "1"}
	var out, errs bytes.Buffer
	if err := run(t.Context(), append([]string{"-out", dir}, base...), &out, &errs); err != nil {
		t.Fatalf("train: %v; stderr %s", err, errs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "best")); err != nil {
		t.Errorf("no best file: %v", err)
	}

	// A config flag that contradicts the checkpoint is an error naming it.
	for _, args := range [][]string{{"-lr", "0.5"}, {"-skills", "add1"}, {"-keep", "0"}} {
		out.Reset()
		err := run(t.Context(), append([]string{"-resume", dir, "-steps", "3"}, args...), &out, &errs)
		if err == nil || !strings.Contains(err.Error(), args[0]+" ") {
			t.Errorf("resume with %q = %v; want an error naming %s", args, err, args[0])
		}
	}

	// Restating the checkpoint's own settings is fine; -steps is a logged override.
	out.Reset()
	args := []string{"-resume", dir, "-steps", "3", "-prompts", "4", "-g", "2", "-quiet"}
	if err := run(t.Context(), args, &out, &errs); err != nil {
		t.Fatalf("run(%q) = %v; stderr %s", args, err, errs.String())
	}
	for _, want := range []string{"resumed " + dir + " at step 2 (steps 2 -> 3)", "step 3 ", "done: 3 steps"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "step-000003")); err != nil {
		t.Errorf("resume did not save in the same run folder: %v", err)
	}

	// Nothing left to do.
	if err := run(t.Context(), []string{"-resume", dir, "-quiet"}, &out, &errs); err == nil || !strings.Contains(err.Error(), "already at step 3") {
		t.Errorf("resume of a finished run = %v; want an error", err)
	}
}

// -init starts a new run, with its own skills and pose, from a checkpoint's weights.
func TestTrainInit(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	base := []string{"-steps", "1", "-prompts", "4", "-g", "2", "-eval-every", "1", "-eval-size", "10", "-quiet"}
	var out, errs bytes.Buffer
	if err := run(t.Context(), append([]string{"-out", src}, base...), &out, &errs); err != nil {
		t.Fatalf("train: %v; stderr %s", err, errs.String())
	}
	dst := filepath.Join(t.TempDir(), "dst")
	out.Reset()
	args := append([]string{"-out", dst, "-init", src, "-skills", "sub2,mul2", "-width", "2", "-work"}, base...)
	if err := run(t.Context(), args, &out, &errs); err != nil {
		t.Fatalf("run(%q) = %v; stderr %s", args, err, errs.String())
	}
	if !strings.Contains(out.String(), "weights from "+src) || !strings.Contains(out.String(), "done: 1 steps") {
		t.Errorf("output lacks the warm start or the step:\n%s", out.String())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-init", src, "-resume", src}, "-init and -resume"},
		{[]string{"-init", filepath.Join(src, "nowhere")}, "nowhere"},
		{[]string{"-init", src, "-d-model", "64"}, "model"},
		{[]string{"-work"}, "width"},
		{[]string{"-work", "-width", "2"}, "no working"},
	} {
		err := run(t.Context(), append(tc.args, "-out", t.TempDir(), "-quiet"), &out, &errs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v; want an error mentioning %q", tc.args, err, tc.want)
		}
	}
	// A new run written over the one it starts from would overwrite its checkpoints.
	for _, args := range [][]string{{"-init", src, "-out", src}, {"-init", filepath.Join(src, "step-000001"), "-out", src}} {
		if err := run(t.Context(), append(args, "-quiet"), &out, &errs); err == nil || !strings.Contains(err.Error(), "overwrite") {
			t.Errorf("run(%q) = %v; want an error about overwriting", args, err)
		}
	}
}
