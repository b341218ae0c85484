package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/reward"
)

// tinyConfig is a run small enough for unit tests.
func tinyConfig() Config {
	cfg := Default()
	cfg.Model = model.Config{Vocab: arith.VocabSize, Ctx: 12, DModel: 16, Heads: 2, Layers: 1, DFF: 32}
	cfg.Skills = Skills{{Kind: arith.Add, Digits: 1}}
	cfg.Prompts, cfg.G = 4, 4
	cfg.Steps = 3
	cfg.EvalSize = 20
	return cfg
}

// runTiny trains cfg from random weights into a new temporary run folder.
func runTiny(t *testing.T, cfg Config) (*Trainer, string) {
	t.Helper()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Run(t.Context(), dir, nil); err != nil {
		t.Fatal(err)
	}
	return tr, dir
}

func TestConfigValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	tests := []struct {
		field  string
		mutate func(*Config)
	}{
		{"steps", func(c *Config) { c.Steps = 0 }},
		{"g", func(c *Config) { c.G = 1 }},
		{"lr", func(c *Config) { c.LR = math.NaN() }},
		{"lr", func(c *Config) { c.LR = -1 }},
		{"min_lr", func(c *Config) { c.MinLR = math.NaN() }},
		{"min_lr", func(c *Config) { c.MinLR = -1e-4 }},
		{"min_lr", func(c *Config) { c.LR = 1e-5 }}, // below the default min_lr
		{"decay_fraction", func(c *Config) { c.DecayFraction = 1.5 }},
		{"decay_fraction", func(c *Config) { c.DecayFraction = math.NaN() }},
		{"eps", func(c *Config) { c.Eps = 1.5 }},
		{"beta", func(c *Config) { c.Beta = math.Inf(1) }},
		{"temperature", func(c *Config) { c.Temperature = 0 }},
		{"norm", func(c *Config) { c.Norm = 7 }},
		{"rewards", func(c *Config) { c.Rewards = "correct=1,bogus=2" }},
		{"skills", func(c *Config) { c.Skills = nil }},
		{"skills", func(c *Config) { c.Skills = Skills{{Kind: arith.Add, Digits: 6}}; c.Model.Ctx = 12 }},
		{"model", func(c *Config) { c.Model.Heads = 3 }},
		{"target_accuracy", func(c *Config) { c.TargetAccuracy = 2 }},
		{"columns", func(c *Config) { c.Columns = -1 }},
		{"columns", func(c *Config) { c.Columns = 7 }},
		{"columns", func(c *Config) { c.Columns = 1 }},                                                                      // narrower than add2
		{"columns", func(c *Config) { c.Columns, c.Width = 4, 4 }},                                                          // both layouts at once
		{"work", func(c *Config) { c.Work = true }},                                                                         // no width to work at
		{"work", func(c *Config) { c.Work, c.Width = true, 5 }},                                                             // add2 has no working
		{"together", func(c *Config) { c.Together = Groups{{{Kind: arith.Add, Digits: 2}, {Kind: arith.Mul, Digits: 2}}} }}, // mul2 is not practised
	}
	for _, tc := range tests {
		c := Default()
		tc.mutate(&c)
		err := c.Validate()
		// The field as a whole word after "config": every message holds "config", and "eps"
		// is part of "eps_high".
		named := regexp.MustCompile(`\bconfig ` + regexp.QuoteMeta(tc.field) + `\b`)
		if err == nil || !named.MatchString(err.Error()) {
			t.Errorf("Validate() with bad %s = %v; want an error naming %q", tc.field, err, tc.field)
		}
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	c := Default()
	c.Skills = Skills{{Kind: arith.Add, Digits: 1}, {Kind: arith.Sub, Digits: 3}}
	c.Norm, c.Credit = Constant, OutcomeCredit
	c.Together = Groups{{{Kind: arith.Add, Digits: 1}, {Kind: arith.Sub, Digits: 3}}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"skills":"add1,sub3"`) || !strings.Contains(string(b), `"norm":"constant"`) ||
		!strings.Contains(string(b), `"together":"add1+sub3"`) {
		t.Errorf("JSON %s lacks readable skills, norm or groups", b)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip: got %+v; want %+v", back, c)
	}
	for _, bad := range []string{`{"norm":"fancy"}`, `{"together":"add1+"}`, `{"together":"add1+add2,,"}`, `{"together":"add1+bogus"}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestSmoke trains a few steps: the loss stays finite and every parameter tensor moves.
func TestSmoke(t *testing.T) {
	cfg := tinyConfig()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	before := tr.Policy().Clone()
	for i := 0; i < cfg.Steps; i++ {
		st, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) || math.IsNaN(st.Entropy) || math.IsNaN(st.KL) {
			t.Fatalf("step %d: non-finite stats %+v", st.Step, st)
		}
		if st.Sequences != (i+1)*cfg.Prompts*cfg.G {
			t.Errorf("step %d: %d sequences; want %d", st.Step, st.Sequences, (i+1)*cfg.Prompts*cfg.G)
		}
	}
	for i, w := range tr.Policy().Tensors {
		if reflect.DeepEqual(w.Data, before.Tensors[i].Data) {
			t.Errorf("parameter %s did not move in %d steps", w.Name, cfg.Steps)
		}
	}
}

// TestDeterministic: the same seed gives the same run, bit for bit; another seed does not.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64) *model.Params {
		cfg := tinyConfig()
		cfg.Seed = seed
		tr, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < cfg.Steps; i++ {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return tr.Policy()
	}
	a, b, c := run(3), run(3), run(4)
	for i := range a.Tensors {
		if !reflect.DeepEqual(a.Tensors[i].Data, b.Tensors[i].Data) {
			t.Fatalf("same seed, different %s", a.Tensors[i].Name)
		}
	}
	if reflect.DeepEqual(a.Tensors[0].Data, c.Tensors[0].Data) {
		t.Error("different seeds gave the same weights")
	}
}

// TestRunWritesRunFolder runs the loop into a folder and loads the result back for evaluation.
func TestRunWritesRunFolder(t *testing.T) {
	cfg := tinyConfig()
	cfg.EvalEvery, cfg.SaveEvery = 2, 2
	dir := t.TempDir()
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var seen []Stats
	if err := tr.Run(t.Context(), dir, func(s Stats) { seen = append(seen, s) }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != cfg.Steps || seen[1].HeldOut == nil || seen[2].HeldOut == nil {
		t.Fatalf("reports %+v; want %d steps with held-out accuracy at steps 2 and 3", seen, cfg.Steps)
	}
	lines, err := os.ReadFile(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(lines), "\n"); n != cfg.Steps {
		t.Errorf("metrics.jsonl has %d lines; want %d", n, cfg.Steps)
	}
	p, back, err := LoadPolicy(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Errorf("config from checkpoint %+v; want %+v", back, cfg)
	}
	for i, w := range tr.Policy().Tensors {
		if !reflect.DeepEqual(w.Data, p.Tensors[i].Data) {
			t.Errorf("loaded %s differs from the trained one", w.Name)
		}
	}
}

// TestUpdateGradientsDoNotAccumulate: gorgonia adds each run's gradients into the weights'
// buffers, so two passes over the same batch with the weights held still (lr 0) must see the
// same gradient, not twice it.
func TestUpdateGradientsDoNotAccumulate(t *testing.T) {
	tr, err := New(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	_, _, in, _, _, err := tr.collect()
	if err != nil {
		t.Fatal(err)
	}
	var first [][]float32
	for pass := 0; pass < 2; pass++ {
		if _, _, err := tr.update(in, 0); err != nil {
			t.Fatal(err)
		}
		if pass == 0 {
			for _, g := range tr.graph.grads {
				first = append(first, append([]float32(nil), g...))
			}
			continue
		}
		for i, g := range tr.graph.grads {
			if !reflect.DeepEqual(g, first[i]) {
				t.Fatalf("gradient of %s changed between identical passes", tr.policy.Tensors[i].Name)
			}
		}
	}
}

// TestRunCancelSaves: cancelling the context (Ctrl-C in cmd/train) ends the run after the step in
// flight with a checkpoint of that step, and reports the cancellation.
func TestRunCancelSaves(t *testing.T) {
	cfg := tinyConfig()
	cfg.Steps, cfg.SaveEvery, cfg.EvalEvery = 50, 0, 0
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	err = tr.Run(ctx, dir, func(s Stats) {
		if s.Step == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v; want context.Canceled", err)
	}
	if tr.StepCount() != 2 {
		t.Errorf("ran %d steps; want 2", tr.StepCount())
	}
	p, _, err := LoadPolicy(dir)
	if err != nil {
		t.Fatalf("no loadable checkpoint after cancel: %v", err)
	}
	if !reflect.DeepEqual(p.Tensors[0].Data, tr.Policy().Tensors[0].Data) {
		t.Error("the saved checkpoint is not the policy at cancellation")
	}
}

// A time budget ends the run at the first step past it, with a measured checkpoint.
func TestMinutesBudget(t *testing.T) {
	cfg := tinyConfig()
	cfg.Steps, cfg.Minutes = 50, 1e-9
	tr, dir := runTiny(t, cfg)
	if tr.StepCount() != 1 {
		t.Fatalf("ran %d steps of 50 with a budget of 1e-9 minutes; want 1", tr.StepCount())
	}
	if _, err := os.Stat(filepath.Join(dir, BestFile)); err != nil {
		t.Errorf("no measured checkpoint after the budget ran out: %v", err)
	}
}

// Every step reports each practised skill, and the step's groups add up; at the start the adaptive
// tutor teaches the foundation (the first skill) alone.
func TestStepReportsSkills(t *testing.T) {
	cfg := tinyConfig()
	cfg.Model.Ctx = 16
	cfg.Skills = Skills{{Kind: arith.Add, Digits: 1}, {Kind: arith.Sub, Digits: 1}, {Kind: arith.DigitSum, Digits: 4}}
	cfg.Prompts = 16
	for _, kind := range []TutorKind{AdaptiveTutor, UniformTutor} {
		cfg.Tutor = kind
		tr, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		st, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		groups := 0
		for name, sk := range st.Skills {
			if kind == AdaptiveTutor && name != "add1" {
				t.Errorf("adaptive: first step practised %s; only the foundation add1 is unlocked", name)
			}
			if sk.Groups <= 0 || sk.Accuracy < 0 || sk.Accuracy > 1 || sk.FracNoSignal < 0 || sk.FracNoSignal > 1 {
				t.Errorf("%v: %s: %+v", kind, name, sk)
			}
			groups += sk.Groups
		}
		if groups != cfg.Prompts {
			t.Errorf("%v: skills report %d groups; the step had %d", kind, groups, cfg.Prompts)
		}
		if want := map[TutorKind]int{AdaptiveTutor: 1, UniformTutor: 3}[kind]; len(st.Frontier) != want {
			t.Errorf("%v: frontier %v; want %d skills", kind, st.Frontier, want)
		}
	}
}

// With routed experts, every step moves the selection bias toward balance and reports the load
// imbalance; a dense run reports none.
func TestMoEStep(t *testing.T) {
	cfg := tinyConfig()
	cfg.Model.Experts, cfg.Model.SharedExperts, cfg.Model.TopK, cfg.Model.ExpertDFF = 4, 1, 2, 8
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bias := func() []float32 {
		for _, w := range tr.Policy().Tensors {
			if strings.HasSuffix(w.Name, "moe.router.bias") {
				return append([]float32(nil), w.Data...)
			}
		}
		t.Fatal("no router bias")
		return nil
	}
	before := bias()
	st, err := tr.Step()
	if err != nil {
		t.Fatal(err)
	}
	after := bias()
	moved := 0
	for i := range before {
		if d := math.Abs(float64(after[i] - before[i])); d != 0 {
			moved++
			if math.Abs(d-cfg.RouterBiasRate) > 1e-6 {
				t.Errorf("bias %d moved by %v; want ±%v", i, d, cfg.RouterBiasRate)
			}
		}
	}
	if moved == 0 || !(st.LoadImbalance >= 1) {
		t.Errorf("after a step: %d biases moved, load imbalance %v; want some moved and imbalance >= 1", moved, st.LoadImbalance)
	}
	dense, err := New(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := dense.Step(); err != nil || st.LoadImbalance != 0 {
		t.Errorf("dense step: load imbalance %v, %v; want 0", st.LoadImbalance, err)
	}
}

func TestPresets(t *testing.T) {
	for _, name := range PresetNames() {
		c, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
		if PresetDoc(name) == "" {
			t.Errorf("preset %s has no doc", name)
		}
	}
	if q, _ := Preset("quick"); !reflect.DeepEqual(q, Default()) {
		t.Error("preset quick is not the default")
	}
	g, _ := Preset("gpt3")
	// The suite's tasks (the files' widths: 2D+ is add2, 1DC comp1) must each be practised: as a
	// skill of the list, or posed at the preset's width as one.
	for _, want := range []string{"add2", "add3", "add4", "add5", "sub2", "sub3", "sub4", "sub5", "mul2", "comp1", "dsum4"} {
		s, err := arith.ParseSkill(want)
		if err != nil {
			t.Fatal(err)
		}
		posedAs := s // the skill of the list it is posed as: at the width, the widest of its kind
		if s.PaddedAt(g.Width) && s.Kind != arith.Mul {
			posedAs.Digits = g.Width
		}
		if !slices.Contains(g.Skills, posedAs) {
			t.Errorf("gpt3 preset practises no %s (width %d): %s", want, g.Width, g.Skills)
		}
	}
	if _, err := Preset("nope"); err == nil || !strings.Contains(err.Error(), "gpt3") {
		t.Errorf("Preset(nope) = %v; want an error listing the presets", err)
	}
}

// TestColumns: a run in the column layout poses its additions and subtractions in columns, sizes
// its graph for them, scores completions against arith.Expected and measures itself on them.
func TestColumns(t *testing.T) {
	cfg := tinyConfig()
	cfg.Skills = Skills{{Kind: arith.Add, Digits: 2}, {Kind: arith.Sub, Digits: 1}, {Kind: arith.Mul, Digits: 1}}
	cfg.Columns = 3
	cfg.Model.Ctx = 16 // a 9-token prompt and up to 6 answer tokens
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	p, _ := arith.ParseQuestion("7+45")
	if got := arith.Render(cfg.Prompt(p)); got != "^700+540=" {
		t.Errorf("Prompt(7+45) = %q; want ^700+540=", got)
	}
	if q := cfg.Pose(p); q.Columns != 3 || arith.Render(arith.Expected(q)) != "2500$" {
		t.Errorf("Pose(7+45) = %+v, expected %q; want columns 3, 2500$", q, arith.Render(arith.Expected(q)))
	}
	m, _ := arith.ParseQuestion("5*8")
	if q := cfg.Pose(m); q.Columns != 0 || arith.Render(cfg.Prompt(m)) != "^5*8=" {
		t.Errorf("Pose(5*8) = %+v, prompt %q; want the natural layout", q, arith.Render(cfg.Prompt(m)))
	}
	for _, tc := range []struct {
		s              arith.Skill
		prompt, answer int
	}{
		{arith.Skill{Kind: arith.Add, Digits: 2}, 9, 6},
		{arith.Skill{Kind: arith.Sub, Digits: 1}, 9, 6},
		{arith.Skill{Kind: arith.Mul, Digits: 1}, 5, 3},
	} {
		if p, a := cfg.SkillShape(tc.s); p != tc.prompt || a != tc.answer {
			t.Errorf("SkillShape(%v) = %d, %d; want %d, %d", tc.s, p, a, tc.prompt, tc.answer)
		}
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.Step()
	if err != nil {
		t.Fatal(err)
	}
	if st.CompletionLen > 6 {
		t.Errorf("mean completion length %v exceeds the longest answer, 6", st.CompletionLen)
	}
	groups, _, err := tr.rollouts(16)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		k := g.problem.Skill.Kind
		if wantCols := map[bool]int{true: 3, false: 0}[k == arith.Add || k == arith.Sub]; g.problem.Columns != wantCols ||
			!slices.Equal(arith.FromIDs(g.prompt), cfg.Prompt(g.problem)) {
			t.Errorf("rollout group %v: columns %d, prompt %q; want columns %d", g.problem, g.problem.Columns, arith.Render(arith.FromIDs(g.prompt)), wantCols)
		}
	}
	// The canonical completion of a posed problem scores full marks under the run's rewards,
	// and greedy decoding measures a posed prompt.
	q := cfg.Pose(p)
	if total, _, _ := tr.mix.Score(q, reward.Completion{Tokens: arith.Expected(q)}); total != 1 {
		t.Errorf("reward of the expected answer %q = %v; want 1", arith.Render(arith.Expected(q)), total)
	}
	if _, err := Greedy(tr.sampler, cfg, []arith.Problem{p, m}, 0); err != nil {
		t.Fatal(err)
	}
}
