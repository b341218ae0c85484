package trainer

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"mathzero/checkpoints"
	"mathzero/model"
)

// FP8 rollouts sample from the rounded copy: the recorded log-probs are the FP8 policy's, not the
// FP32 one's, and the copy is within FP8 rounding of the policy, vectors untouched.
func TestFP8Rollouts(t *testing.T) {
	cfg := tinyConfig()
	cfg.RolloutPrecision, cfg.FP8Block = FP8, 8
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(); err != nil { // moves the policy off its initial weights
		t.Fatal(err)
	}
	groups, _, _, _, _, err := tr.collect()
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range tr.policy.Tensors {
		r := tr.rollParams.Tensors[i]
		for k, x := range w.Data {
			bound := math.Abs(float64(x))/16 + 1e-6
			if d := math.Abs(float64(x - r.Data[k])); d > bound || (!model.FP8Linear(w.Name) && d != 0) {
				t.Fatalf("%s[%d]: policy %v, rollout copy %v", w.Name, k, x, r.Data[k])
			}
		}
	}
	var prompts, completions [][]int
	var recorded []float32
	for _, g := range groups {
		for _, s := range g.samples {
			prompts, completions = append(prompts, g.prompt), append(completions, s.Tokens)
			recorded = append(recorded, s.Logp...)
		}
	}
	flat := func(s [][]float32) []float32 {
		var out []float32
		for _, x := range s {
			out = append(out, x...)
		}
		return out
	}
	fp8, err := tr.rollSampler.LogProbs(prompts, completions, cfg.Temperature)
	if err != nil {
		t.Fatal(err)
	}
	fp32, err := tr.sampler.LogProbs(prompts, completions, cfg.Temperature)
	if err != nil {
		t.Fatal(err)
	}
	maxFP8, maxFP32 := 0.0, 0.0
	for k, lp := range recorded {
		maxFP8 = math.Max(maxFP8, math.Abs(float64(lp-flat(fp8)[k])))
		maxFP32 = math.Max(maxFP32, math.Abs(float64(lp-flat(fp32)[k])))
	}
	if maxFP8 > 1e-4 {
		t.Errorf("recorded log-probs differ from the FP8 copy's by %v", maxFP8)
	}
	if maxFP32 < 1e-4 {
		t.Errorf("recorded log-probs equal the FP32 policy's (max difference %v): the rollouts did not use FP8", maxFP32)
	}

	// The update's π_old is the FP32 policy's log-prob, and each token's advantage is weighted by
	// min(π_old/π_fp8, cap). The lowest cap, 1, makes sure some weights are truncated.
	tr.cfg.RolloutISCap = 1
	in, err := tr.batchInputs(groups)
	if err != nil {
		t.Fatal(err)
	}
	var k3 float64
	checked, truncated := 0, 0
	b := 0
	for _, g := range groups {
		for i, s := range g.samples {
			for k := range s.Tokens {
				j := b*tr.seqLen + len(g.prompt) - 1 + k
				old := fp32[b][k]
				if in.oldLogp[j] != old {
					t.Fatalf("sequence %d token %d: π_old %v, want the FP32 policy's %v", b, k, in.oldLogp[j], old)
				}
				w := math.Exp(float64(old) - float64(s.Logp[k]))
				k3 += w - 1 - math.Log(w)
				if w > 1 {
					w = 1
					truncated++
				}
				want := g.adv[i][k] * w
				if d := math.Abs(float64(in.adv[j]) - want); d > 1e-6*math.Max(1, math.Abs(want)) {
					t.Fatalf("sequence %d token %d: advantage %v, want %v × %v", b, k, in.adv[j], g.adv[i][k], w)
				}
				checked++
			}
			b++
		}
	}
	if truncated == 0 || truncated == checked {
		t.Errorf("%d of %d weights truncated: the test does not exercise both sides of the cap", truncated, checked)
	}
	if math.Abs(in.rolloutKL-k3) > 1e-9*math.Max(1, k3) || in.truncated != truncated {
		t.Errorf("batch reports KL sum %v and %d truncated; want %v and %d", in.rolloutKL, in.truncated, k3, truncated)
	}
}

// An FP8 checkpoint is about 4x smaller in its weights, loads within FP8 rounding of the policy
// that was saved, and resumes.
func TestFP8Checkpoint(t *testing.T) {
	cfg := tinyConfig()
	cfg.Model.DModel, cfg.Model.DFF = 64, 256 // matrices large enough for the scales not to matter
	cfg.Steps = 2
	_, dir32 := runTiny(t, cfg)
	cfg.SavePrecision = FP8
	f8, dir8 := runTiny(t, cfg)
	size := func(dir string) int64 {
		fi, err := os.Stat(filepath.Join(dir, "step-000002", "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// The linear layers' elements take one byte instead of four; the rest (embeddings, head,
	// vectors) stay four. Headers and scales may add 2% of the FP32 file.
	var fp8Elems, allElems int
	for _, w := range f8.Policy().Tensors {
		allElems += len(w.Data)
		if model.FP8Linear(w.Name) {
			fp8Elems += len(w.Data)
		}
	}
	want := float64(4*allElems-3*fp8Elems) / float64(4*allElems)
	if r := float64(size(dir8)) / float64(size(dir32)); r > want+0.02 {
		t.Errorf("FP8 weights file is %.3f of the FP32 one; want %.3f (%d of %d elements in FP8)", r, want, fp8Elems, allElems)
	}
	ck, err := checkpoints.Load(dir8)
	if err != nil {
		t.Fatal(err)
	}
	scales := make(map[string]bool)
	for _, w := range ck.Weights {
		if w.Dtype == checkpoints.F8E4M3 {
			scales[w.Name+checkpoints.ScaleInvSuffix] = true
		}
	}
	for _, w := range ck.Weights {
		if scales[w.Name] {
			continue
		}
		if fp8 := w.Dtype == checkpoints.F8E4M3; fp8 != model.FP8Linear(w.Name) {
			t.Errorf("%s %v stored as %v; FP8Linear says %v", w.Name, w.Shape, w.Dtype, model.FP8Linear(w.Name))
		}
	}
	loaded, _, err := LoadPolicy(dir8)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range f8.Policy().Tensors {
		for k, x := range w.Data {
			if d := math.Abs(float64(x - loaded.Tensors[i].Data[k])); d > math.Abs(float64(x))/16+1e-6 {
				t.Fatalf("%s[%d]: saved %v, loaded %v", w.Name, k, x, loaded.Tensors[i].Data[k])
			}
		}
	}
	r, err := Resume(dir8, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Step(); err != nil {
		t.Fatal(err)
	}
}

// An FP8 run stopped between checkpoints saves its last step with the accuracy of the rounded
// weights it holds, not of the full-precision ones measured at that step.
func TestFP8StopRecordsRoundedAccuracy(t *testing.T) {
	cfg := tinyConfig()
	cfg.Model.DModel, cfg.Model.DFF = 64, 256
	cfg.Steps, cfg.EvalEvery, cfg.SaveEvery, cfg.EvalSize = 300, 1, 0, 100
	cfg.SavePrecision = FP8
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var full float64
	stopAt := 0
	report := func(st Stats) {
		var sum float64
		for _, a := range st.HeldOut {
			sum += a / float64(len(st.HeldOut))
		}
		if rounded, err := tr.heldOutFP8(); err == nil && rounded != sum {
			full, stopAt = sum, st.Step
			cancel()
		}
	}
	dir := t.TempDir()
	if err := tr.Run(ctx, dir, report); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want it stopped where FP8 and full-precision accuracy differ", err)
	}
	saved := savedHeldOut(t, filepath.Join(dir, checkpoints.DirName(stopAt)))
	if saved == nil {
		t.Fatalf("step %d saved without a held-out accuracy", stopAt)
	}
	if want, _ := tr.heldOutFP8(); *saved != want {
		t.Errorf("step %d saved with held-out %v; want the rounded weights' %v (full precision: %v)", stopAt, *saved, want, full)
	}
}
