package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"mathzero/checkpoints"
	"mathzero/trainer"
)

// TestKillDuringTraining SIGKILLs a real training process at random moments, ten times, resuming
// the same run after each kill, and requires the latest checkpoint to load every time: a kill at
// any moment loses at most the steps since the last checkpoint and never corrupts one.
func TestKillDuringTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a training process ten times: skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "train")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "run")
	rng := rand.New(rand.NewPCG(42, 1))
	lastStep := 0
	for kill := 0; kill < 10; kill++ {
		args := []string{"-out", dir, "-steps", "100000", "-prompts", "4", "-g", "2", "-save-every", "1",
			"-eval-every", "0", "-quiet", "-log-every", "0", "-sample-every", "0"}
		if kill > 0 {
			args = []string{"-resume", dir, "-quiet", "-log-every", "0"}
		}
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it get past start-up (and, the first time, its first checkpoint), then kill it at a
		// random moment of its saving loop.
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(dir, checkpoints.LatestFile)); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		ck, err := checkpoints.Load(dir)
		if err != nil {
			t.Fatalf("kill %d: latest checkpoint does not load: %v", kill, err)
		}
		if ck.Step < lastStep {
			t.Fatalf("kill %d: latest checkpoint went back from step %d to %d", kill, lastStep, ck.Step)
		}
		lastStep = ck.Step
		if _, _, err := trainer.LoadPolicy(dir); err != nil {
			t.Fatalf("kill %d: policy does not load: %v", kill, err)
		}
	}
	t.Logf("10 kills, last checkpoint at step %d", lastStep)
}
