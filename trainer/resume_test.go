package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mathzero/checkpoints"
	"mathzero/env/arith"
	"mathzero/reward"
)

// TestResumeExact: a run of 2N steps in one go, and a run of N steps resumed from its checkpoint
// for N more, end with the same weights, optimizer state, tutor and random streams, bit for bit.
func TestResumeExact(t *testing.T) {
	const n = 3
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"default", func(c *Config) {}},
		// A reference policy, a steered uniform-KL weight and weight decay.
		{"beta+steer", func(c *Config) { c.Beta = 0.04; c.TargetEntropy = 5; c.WeightDecay = 0.01 }},
		// Several skills at a shared width: the adaptive tutor's draws depend on its record.
		{"tutor", func(c *Config) {
			c.Model.Ctx = 16
			c.Skills = Skills{{Kind: arith.Add, Digits: 1}, {Kind: arith.Sub, Digits: 1}, {Kind: arith.Add, Digits: 2},
				{Kind: arith.Composite, Digits: 1}}
			c.Width = 2
		}},
		// Routed experts: the selection bias follows the load, not the gradient.
		{"moe", func(c *Config) {
			c.Model.Experts, c.Model.SharedExperts, c.Model.TopK, c.Model.ExpertDFF = 4, 1, 2, 8
		}},
		{"uniform", func(c *Config) {
			c.Skills = Skills{{Kind: arith.Add, Digits: 1}, {Kind: arith.Sub, Digits: 1}}
			c.Tutor = UniformTutor
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig()
			tc.mutate(&cfg)
			cfg.Steps, cfg.SaveEvery = 2*n, n
			whole, _ := runTiny(t, cfg)

			half := cfg
			half.Steps = n
			_, dir := runTiny(t, half)
			resumed, err := Resume(dir, 2*n)
			if err != nil {
				t.Fatal(err)
			}
			if resumed.StepCount() != n || resumed.Config().Steps != 2*n {
				t.Fatalf("Resume: step %d of %d; want %d of %d", resumed.StepCount(), resumed.Config().Steps, n, 2*n)
			}
			if err := resumed.Run(t.Context(), dir, nil); err != nil {
				t.Fatal(err)
			}
			for i, w := range whole.Policy().Tensors {
				if !reflect.DeepEqual(w.Data, resumed.Policy().Tensors[i].Data) {
					t.Errorf("after %d+%d steps %s differs from %d steps", n, n, w.Name, 2*n)
				}
			}
			if !reflect.DeepEqual(whole.opt.m, resumed.opt.m) || !reflect.DeepEqual(whole.opt.v, resumed.opt.v) || whole.opt.t != resumed.opt.t {
				t.Error("AdamW state differs")
			}
			if whole.sequences != resumed.sequences || whole.uniformKL != resumed.uniformKL {
				t.Errorf("state differs: sequences %d/%d uniformKL %v/%v",
					whole.sequences, resumed.sequences, whole.uniformKL, resumed.uniformKL)
			}
			wt, _ := json.Marshal(whole.tutor)
			rt, _ := json.Marshal(resumed.tutor)
			if string(wt) != string(rt) {
				t.Errorf("tutor differs:\n whole   %s\n resumed %s", wt, rt)
			}
			if whole.problemRNG.Uint64() != resumed.problemRNG.Uint64() || whole.sampleRNG.Uint64() != resumed.sampleRNG.Uint64() {
				t.Error("random streams differ")
			}
		})
	}
}

func TestResumeErrors(t *testing.T) {
	cfg := tinyConfig()
	cfg.Steps = 2
	_, dir := runTiny(t, cfg)
	if _, err := Resume(dir, 0); err == nil || !strings.Contains(err.Error(), "already at step 2") {
		t.Errorf("Resume(finished run, 0) = %v; want an error saying it is at step 2", err)
	}
	if _, err := Resume(dir, 1); err == nil || !strings.Contains(err.Error(), "steps 1") {
		t.Errorf("Resume(run, 1) = %v; want an error naming steps", err)
	}
	if _, err := Resume(filepath.Join(dir, "nope"), 5); err == nil {
		t.Error("Resume(missing) = nil error")
	}
	// A checkpoint without optimizer tensors.
	ck, err := checkpoints.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ck.Optimizer = ck.Optimizer[:1]
	bad := t.TempDir()
	if _, err := checkpoints.Save(bad, ck); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(bad, 5); err == nil || !strings.Contains(err.Error(), "optimizer") {
		t.Errorf("Resume(checkpoint missing optimizer tensors) = %v; want an error naming the optimizer", err)
	}
}

// TestRunKeepBest: Keep prunes old checkpoints but never the best by held-out accuracy.
func TestRunKeepBest(t *testing.T) {
	cfg := tinyConfig()
	cfg.Steps, cfg.SaveEvery, cfg.EvalEvery, cfg.Keep = 5, 1, 1, 1
	_, dir := runTiny(t, cfg)
	b, err := os.ReadFile(filepath.Join(dir, BestFile))
	if err != nil {
		t.Fatal(err)
	}
	best := strings.TrimSpace(string(b))
	paths, err := checkpoints.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	want := []string{best}
	if best != checkpoints.DirName(5) {
		want = append(want, checkpoints.DirName(5))
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("with keep 1: checkpoints %v; want %v (best and latest)", names, want)
	}
	got, err := bestSoFar(dir)
	if err != nil || got.name != best || got.acc < 0 {
		t.Errorf("bestSoFar = %+v, %v; want %s with its accuracy", got, err, best)
	}
	for _, bad := range []string{"", "\n", "../elsewhere\n", "latest\n"} {
		if err := os.WriteFile(filepath.Join(dir, BestFile), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := bestSoFar(dir); err == nil {
			t.Errorf("bestSoFar with best file %q = %+v, nil; want an error", bad, got)
		}
	}
}

// A resumed run stopped before its first step leaves the checkpoint it resumed from as it was, its
// held-out accuracy with it; saved again unmeasured, a best checkpoint would have none, and the
// next resume would fail.
func TestResumeStoppedAtOnce(t *testing.T) {
	cfg := tinyConfig()
	cfg.Steps, cfg.SaveEvery, cfg.EvalEvery = 3, 1, 1
	_, dir := runTiny(t, cfg)
	last := filepath.Join(dir, checkpoints.DirName(3))
	heldOut := func() *float64 { return savedHeldOut(t, last) }
	if heldOut() == nil {
		t.Fatalf("%s has no held-out accuracy before the resume", last)
	}
	if err := os.WriteFile(filepath.Join(dir, BestFile), []byte(filepath.Base(last)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Resume(dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := tr.Run(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context = %v; want context.Canceled", err)
	}
	if heldOut() == nil {
		t.Errorf("%s lost its held-out accuracy to a resume stopped at once", last)
	}
	if tr, err = Resume(dir, 5); err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(t.Context(), dir, nil); err != nil || tr.StepCount() != 5 {
		t.Errorf("resumed again: Run = %v at step %d; want nil at step 5", err, tr.StepCount())
	}
}

// savedHeldOut returns the mean held-out accuracy recorded with the checkpoint at path (nil: none).
func savedHeldOut(t *testing.T, path string) *float64 {
	t.Helper()
	ck, err := checkpoints.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var ex extraState
	if err := json.Unmarshal(ck.Extra, &ex); err != nil {
		t.Fatalf("%s: extra %s: %v", path, ck.Extra, err)
	}
	return ex.HeldOut
}

// BenchmarkResume rebuilds a default-size trainer from its checkpoint (load, graph, state).
func BenchmarkResume(b *testing.B) {
	cfg := Default()
	tr, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if _, err := tr.Save(dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Resume(dir, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestResumeWithCustomRewards: a run trained with a reward outside the built-ins resumes with its
// own mix, refuses a different one, and Resume (built-ins only) names the unknown reward.
func TestResumeWithCustomRewards(t *testing.T) {
	reg := reward.Builtins()
	if err := reg.Add(reward.Reward{Name: "short", Doc: "1 for at most 2 tokens", Min: 0, Max: 1,
		Score: func(p arith.Problem, c reward.Completion) (float64, bool) {
			if len(c.Tokens) <= 2 {
				return 1, true
			}
			return 0, true
		}}); err != nil {
		t.Fatal(err)
	}
	mix, err := reg.ParseSpec("partial=1,short=0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.Rewards = mix.String()
	tr, err := NewWithRewards(cfg, mix)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Run(t.Context(), dir, nil); err != nil {
		t.Fatal(err)
	}
	back, err := ResumeWithRewards(dir, cfg.Steps+2, mix)
	if err != nil {
		t.Fatal(err)
	}
	st, err := back.Step()
	if _, logged := st.Rewards["short"]; err != nil || !logged {
		t.Fatalf("step after resume: rewards %+v, %v; want short's mean logged", st.Rewards, err)
	}
	other, _ := reg.ParseSpec("partial=1")
	if _, err := ResumeWithRewards(dir, cfg.Steps+2, other); err == nil {
		t.Error("resumed with a different reward mix")
	}
	if _, err := Resume(dir, cfg.Steps+2); err == nil || !strings.Contains(err.Error(), "short") {
		t.Errorf("Resume with built-ins only = %v; want an error naming the reward", err)
	}
}

// InitFrom starts a new run, with other skills, another pose and a reference policy, from a
// checkpoint's weights; a model of another shape, a run already stepped, and a missing checkpoint
// are errors.
func TestInitFrom(t *testing.T) {
	src, dir := runTiny(t, tinyConfig())
	cfg := tinyConfig()
	cfg.Skills = Skills{{Kind: arith.Sub, Digits: 1}, {Kind: arith.Mul, Digits: 1}}
	cfg.Width, cfg.Beta, cfg.Seed = 1, 0.01, 7
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.InitFrom(dir); err != nil {
		t.Fatalf("InitFrom(%s) = %v", dir, err)
	}
	for i, w := range src.Policy().Tensors {
		if got := tr.Policy().Tensors[i]; !slices.Equal(got.Data, w.Data) || !slices.Equal(tr.ref.Tensors[i].Data, w.Data) {
			t.Fatalf("after InitFrom, tensor %s differs from the checkpoint's (policy or reference)", w.Name)
		}
	}
	if _, err := tr.Step(); err != nil {
		t.Fatalf("a step after InitFrom: %v", err)
	}
	if err := tr.InitFrom(dir); err == nil || !strings.Contains(err.Error(), "step 1") {
		t.Errorf("InitFrom after a step = %v; want an error naming the step", err)
	}

	other := tinyConfig()
	other.Model.DModel = 32
	tr, err = New(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.InitFrom(dir); err == nil || !strings.Contains(err.Error(), "DModel 16 (checkpoint) vs 32 (run)") {
		t.Errorf("InitFrom with another model = %v; want an error naming the field that differs", err)
	}
	if err := tr.InitFrom(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("InitFrom of a missing checkpoint = nil; want an error")
	}
}

// A warm-started run with a reference policy, stopped and resumed, ends where the run left alone
// does: its reference is read again from the checkpoint it started from, not re-created from the
// seed. Once that checkpoint is gone, resuming is an error that names it.
func TestResumeInit(t *testing.T) {
	const n = 3
	_, src := runTiny(t, tinyConfig())
	cfg := tinyConfig()
	cfg.Beta, cfg.Seed = 0.5, 7
	cfg.Steps, cfg.SaveEvery = 2*n, n
	run := func(steps int) (*Trainer, string) {
		t.Helper()
		c := cfg
		c.Steps = steps
		tr, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.InitFrom(src); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := tr.Run(t.Context(), dir, nil); err != nil {
			t.Fatal(err)
		}
		return tr, dir
	}
	whole, _ := run(2 * n)
	_, dir := run(n)
	resumed, err := Resume(dir, 2*n)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range whole.ref.Tensors {
		if !slices.Equal(w.Data, resumed.ref.Tensors[i].Data) {
			t.Fatalf("resumed reference %s differs from the warm start's", w.Name)
		}
	}
	if err := resumed.Run(t.Context(), dir, nil); err != nil {
		t.Fatal(err)
	}
	for i, w := range whole.Policy().Tensors {
		if !slices.Equal(w.Data, resumed.Policy().Tensors[i].Data) {
			t.Errorf("after %d+%d steps %s differs from %d steps", n, n, w.Name, 2*n)
		}
	}

	_, dir = run(n)
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(dir, 2*n); err == nil || !strings.Contains(err.Error(), "reference") || !strings.Contains(err.Error(), src) {
		t.Errorf("Resume with its init checkpoint gone = %v; want an error naming the reference and %s", err, src)
	}
}

// A run with a time budget records the minutes it trained in every checkpoint; a resumed run goes
// on from them (its elapsed time does not restart), and one that has spent its budget is an error.
func TestResumeMinutes(t *testing.T) {
	cfg := tinyConfig()
	cfg.Minutes = 60
	_, dir := runTiny(t, cfg)
	var ex extraState
	ck, err := checkpoints.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ck.Extra, &ex); err != nil || !(ex.Minutes > 0 && ex.Minutes < cfg.Minutes) {
		t.Fatalf("checkpoint minutes %v (%v); want in (0, %g)", ex.Minutes, err, cfg.Minutes)
	}
	tr, err := Resume(dir, cfg.Steps+1)
	if err != nil {
		t.Fatal(err)
	}
	if tr.spentBefore != ex.Minutes {
		t.Errorf("resumed spentBefore = %v; want the checkpoint's %v", tr.spentBefore, ex.Minutes)
	}
	var last Stats
	if err := tr.Run(t.Context(), dir, func(st Stats) { last = st }); err != nil {
		t.Fatal(err)
	}
	if last.Elapsed < 60*ex.Minutes {
		t.Errorf("resumed run's elapsed_s %v; want at least the %v s before the resume", last.Elapsed, 60*ex.Minutes)
	}

	cfg.Minutes = 1e-9 // spent by the end of the first step
	_, dir = runTiny(t, cfg)
	if _, err := Resume(dir, cfg.Steps+1); err == nil || !strings.Contains(err.Error(), "budget") {
		t.Errorf("Resume of a run that spent its budget = %v; want an error naming the budget", err)
	}
}
