package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mathzero/trainer"
)

// TestTrainsWithCustomReward trains a few steps with the custom reward and checks that its
// component is reported per step and logged in metrics.jsonl, and that the run left a checkpoint.
func TestTrainsWithCustomReward(t *testing.T) {
	dir := t.TempDir()
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"-steps", "2", "-dir", dir, "-rewards", "correct=1,partial=1,nozeros=0.2"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	if got := strings.Count(out.String(), " nozeros="); got != 2 {
		t.Errorf("output reports nozeros on %d lines; want 2:\n%s", got, out.String())
	}
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		var st trainer.Stats
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			t.Fatalf("metrics.jsonl line %d: %v", lines+1, err)
		}
		v, ok := st.Rewards["nozeros"]
		if !ok || v < -1 || v > 0 {
			t.Errorf("metrics.jsonl step %d: rewards = %v; want nozeros in [-1, 0]", st.Step, st.Rewards)
		}
	}
	if lines != 2 {
		t.Errorf("metrics.jsonl has %d lines; want 2", lines)
	}
	if _, cfg, err := trainer.LoadPolicy(dir); err != nil || cfg.Rewards != "correct=1,partial=1,nozeros=0.2" {
		t.Errorf("LoadPolicy(%s) = config rewards %q, %v", dir, cfg.Rewards, err)
	}
}

func TestBadSpec(t *testing.T) {
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"-rewards", "mine=1", "-dir", t.TempDir()}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "nozeros") {
		t.Errorf("run(-rewards mine=1) = %v; want an error listing nozeros among the valid names", err)
	}
}
