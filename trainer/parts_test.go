package trainer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/reward"
	"mathzero/tutor"
)

// TestMixedSkillsStep: skills with different prompt and answer lengths share one batch; every
// completion must fit its row (comp1 has the longest prompt, mul2 the longest answer).
func TestMixedSkillsStep(t *testing.T) {
	cfg := tinyConfig()
	cfg.Model.Ctx = 16
	cfg.Skills = Skills{{Kind: arith.Composite, Digits: 1}, {Kind: arith.Mul, Digits: 2}}
	cfg.Curriculum = 0
	maxNew, seqLen := cfg.shapes()
	if maxNew != 5 || seqLen != 9+5-1 {
		t.Fatalf("shapes() = %d, %d; want 5, 13", maxNew, seqLen)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Model.Ctx = 13
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "ctx") {
		t.Errorf("Validate with ctx 13 for comp1+mul2 = %v; want an error about ctx", err)
	}
}

// TestBatchPositions: the per-token inputs sit at the position whose log-prob scores that token:
// position len(prompt)-1+k predicts completion token k, and the target there is that token.
func TestBatchPositions(t *testing.T) {
	tr, err := New(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	groups, _, in, _, _, err := tr.collect()
	if err != nil {
		t.Fatal(err)
	}
	T := tr.seqLen
	b := 0
	for _, g := range groups {
		for i, s := range g.samples {
			for j := 0; j < T; j++ {
				k := j - (len(g.prompt) - 1)
				onAnswer := k >= 0 && k < len(s.Tokens)
				if got := in.weight[b*T+j] != 0; got != onAnswer {
					t.Fatalf("row %d position %d: weight %v; on the answer: %v", b, j, in.weight[b*T+j], onAnswer)
				}
				if !onAnswer {
					continue
				}
				if in.targets[b][j] != s.Tokens[k] || in.oldLogp[b*T+j] != s.Logp[k] || in.adv[b*T+j] != float32(g.adv[i][k]) {
					t.Fatalf("row %d position %d: target %d logp %v adv %v; want token %d logp %v adv %v",
						b, j, in.targets[b][j], in.oldLogp[b*T+j], in.adv[b*T+j], s.Tokens[k], s.Logp[k], g.adv[i][k])
				}
			}
			b++
		}
	}
}

func TestNewWithRewardsValidates(t *testing.T) {
	mix, err := reward.Builtins().ParseSpec("partial=1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.Mu = 0
	if _, err := NewWithRewards(cfg, mix); err == nil || !strings.Contains(err.Error(), "mu") {
		t.Errorf("NewWithRewards with mu 0 = %v; want an error naming mu", err)
	}
	if _, err := NewWithRewards(tinyConfig(), nil); err == nil {
		t.Error("NewWithRewards with an empty mix succeeded")
	}
	// The config records the mix trained on, not the default spec left in it.
	tr, err := NewWithRewards(tinyConfig(), mix)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Config().Rewards; got != "partial=1" {
		t.Errorf("Config().Rewards = %q; want the mix's %q", got, "partial=1")
	}
}

func TestLRSchedule(t *testing.T) {
	c := Default()
	// DecayFraction 1: nanoGPT's cosine over every step after warm-up.
	c.LR, c.MinLR, c.Warmup, c.Steps, c.DecayFraction = 1e-3, 1e-4, 10, 111, 1
	for _, tc := range []struct {
		step int
		want float64
	}{
		{0, 1e-4},         // warm-up: 1/10 of the way
		{4, 5e-4},         // half way
		{9, 1e-3},         // peak at the end of warm-up
		{10, 1e-3},        // and on the first step of the decay
		{60, 5.5e-4},      // half way down the cosine: the mean of LR and MinLR
		{110, 1e-4},       // the last step ends at MinLR
		{500, 1e-4},       // a run extended past Steps stays there
		{35, 8.681981e-4}, // a quarter down: MinLR + (LR-MinLR)(1+cos(π/4))/2
	} {
		if got := c.lrAt(tc.step, 0); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("lrAt(%d) = %.7g, want %.7g", tc.step, got, tc.want)
		}
	}
	// The default shape: held at LR, then the cosine over the last DecayFraction of the steps.
	c.Steps, c.DecayFraction = 110, 0.5
	for _, tc := range []struct {
		step int
		want float64
	}{
		{9, 1e-3}, {54, 1e-3}, {55, 1e-3}, // held until the decay starts at step 110-55
		{82, 5.5e-4}, // half way through the decay
		{109, 1e-4},  // the last step
	} {
		if got := c.lrAt(tc.step, 0); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("decay fraction 0.5: lrAt(%d) = %.7g, want %.7g", tc.step, got, tc.want)
		}
	}
	// MinLR = LR, or no decay, holds the rate after warm-up (MinLR = LR is the schedule of runs
	// from before the decay).
	for _, d := range []struct{ minLR, frac float64 }{{c.LR, 0.5}, {1e-4, 0}} {
		c.MinLR, c.DecayFraction = d.minLR, d.frac
		for _, step := range []int{9, 50, 109} {
			if got := c.lrAt(step, 0); got != c.LR {
				t.Errorf("min_lr %g, decay_fraction %g: lrAt(%d) = %g, want %g", d.minLR, d.frac, step, got, c.LR)
			}
		}
	}
	// With a time budget the decay follows whichever of the steps and the clock is further on.
	c.MinLR, c.DecayFraction = 1e-4, 0.2
	for _, tc := range []struct {
		step       int
		used, want float64
	}{
		{50, 0.5, 1e-3},           // neither has reached its last fifth
		{50, 0.8, 1e-3},           // the clock's decay starts at 0.8 of the budget
		{50, 0.9, 5.5e-4},         // half way through the clock's decay
		{50, 1.0, 1e-4},           // the budget's end is MinLR
		{50, 1.3, 1e-4},           // and a step past it stays there
		{99, 0.9, 5.1637146e-04},  // the steps are further on: 11/21 through 88..109
		{99, 0.95, 2.3180195e-04}, // the clock is further on: 3/4 through its decay
		{5, 0.99, 6e-4},           // warm-up comes first whatever the clock
	} {
		if got := c.lrAt(tc.step, tc.used); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("time budget: lrAt(%d, %g) = %.7g, want %.7g", tc.step, tc.used, got, tc.want)
		}
	}
	// No decay ignores the clock too.
	c.DecayFraction = 0
	if got := c.lrAt(50, 0.99); got != c.LR {
		t.Errorf("decay_fraction 0: lrAt(50, 0.99) = %g, want %g", got, c.LR)
	}

	// A run without warm-up starts at the peak.
	c.Warmup, c.MinLR, c.DecayFraction = 0, 0, 1
	if got := c.lrAt(0, 0); got != c.LR {
		t.Errorf("no warm-up: lrAt(0) = %g, want %g", got, c.LR)
	}
}

func TestDecodeConfigBeforeDecay(t *testing.T) {
	// A config written before min_lr existed resumes at a constant rate, as it was trained.
	c, err := decodeConfig([]byte(`{"lr": 0.002}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.MinLR != 0.002 {
		t.Errorf("min_lr = %g, want the run's lr 0.002", c.MinLR)
	}
	if c, err = decodeConfig([]byte(`{"lr": 0.002, "min_lr": 0.0003}`)); err != nil || c.MinLR != 0.0003 {
		t.Errorf("stored min_lr: got %g, %v; want 0.0003", c.MinLR, err)
	}
}

func TestSteerEntropy(t *testing.T) {
	tr := &Trainer{cfg: Config{UniformKL: 0.02, TargetEntropy: 0.4}, uniformKL: 0.02}
	tr.steerEntropy(0.1)
	if math.Abs(tr.uniformKL-0.021) > 1e-12 {
		t.Errorf("below target: β_u %v; want 0.021", tr.uniformKL)
	}
	for range 1000 {
		tr.steerEntropy(0.1)
	}
	if tr.uniformKL != maxUniformKL {
		t.Errorf("long below target: β_u %v; want the cap %v", tr.uniformKL, maxUniformKL)
	}
	for range 1000 {
		tr.steerEntropy(1)
	}
	if tr.uniformKL != 0.02 {
		t.Errorf("long above target: β_u %v; want the floor 0.02", tr.uniformKL)
	}
	tr.steerEntropy(math.NaN())
	if tr.uniformKL != 0.02 {
		t.Errorf("NaN entropy moved β_u to %v", tr.uniformKL)
	}
}

// TestAdamW checks two steps against the formula computed by hand in float64.
func TestAdamW(t *testing.T) {
	p := &model.Params{Tensors: []*model.Tensor{
		{Name: "w", Shape: []int{1, 2}, Data: []float32{1, -2}},
		{Name: "b.b", Shape: []int{1}, Data: []float32{0.5}},
	}}
	const lr, b1, b2, eps, decay = 0.1, 0.9, 0.99, 1e-8, 0.01
	a := newAdamW(p, b1, b2, eps, decay)
	grads := [][]float32{{0.5, -1}, {2}}
	x := []float64{1, -2, 0.5}
	g := []float64{0.5, -1, 2}
	m, v := make([]float64, 3), make([]float64, 3)
	for step := 1; step <= 2; step++ {
		a.step(p.Tensors, grads, lr)
		for i := range x {
			m[i] = b1*m[i] + (1-b1)*g[i]
			v[i] = b2*v[i] + (1-b2)*g[i]*g[i]
			mh := m[i] / (1 - math.Pow(b1, float64(step)))
			vh := v[i] / (1 - math.Pow(b2, float64(step)))
			shrink := 1 - lr*decay
			if i == 2 {
				shrink = 1 // a bias: not decayed
			}
			x[i] = x[i]*shrink - lr*mh/(math.Sqrt(vh)+eps)
		}
	}
	got := []float32{p.Tensors[0].Data[0], p.Tensors[0].Data[1], p.Tensors[1].Data[0]}
	for i := range x {
		if math.Abs(float64(got[i])-x[i]) > 1e-6 {
			t.Errorf("param %d after 2 steps = %v; want %v", i, got[i], x[i])
		}
	}
}

// TestAdamWDecays: weight decay shrinks matrices and embeddings, not biases, gains or the
// attention's relative-position bias (2-D, but a bias).
func TestAdamWDecays(t *testing.T) {
	c := tinyConfig().Model
	c.RelBias = true
	p, err := model.New(c, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	a := newAdamW(p, 0.9, 0.999, 1e-8, 0.1)
	want := map[string]bool{"tok_emb": true, "blocks.0.attn.qkv.w": true, "blocks.0.attn.qkv.b": false,
		"blocks.0.attn.rel_bias": false, "blocks.0.ln1.g": false, "head.w": true}
	seen := 0
	for i, tn := range p.Tensors {
		if w, ok := want[tn.Name]; ok {
			seen++
			if a.decayed[i] != w {
				t.Errorf("%s decayed = %v; want %v", tn.Name, a.decayed[i], w)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d tensors %v", seen, len(want), want)
	}
}

func TestClipGlobalNorm(t *testing.T) {
	g := [][]float32{{3}, {4}}
	if n := clipGlobalNorm(g, 1); n != 5 || math.Abs(float64(g[0][0])-0.6) > 1e-7 || math.Abs(float64(g[1][0])-0.8) > 1e-7 {
		t.Errorf("clip to 1: norm %v, grads %v; want 5, [0.6 0.8]", n, g)
	}
	g = [][]float32{{3}, {4}}
	if n := clipGlobalNorm(g, 10); n != 5 || g[0][0] != 3 || g[1][0] != 4 {
		t.Errorf("norm under the limit: %v, %v; want unchanged", n, g)
	}
	g = [][]float32{{3}, {4}}
	if clipGlobalNorm(g, 0); g[0][0] != 3 {
		t.Errorf("limit 0 clipped: %v", g)
	}
}

func TestDecodeConfigUnknownField(t *testing.T) {
	// A checkpoint written by a newer build (here a model field this one lacks) must not load
	// as a different model.
	for _, raw := range []string{
		`{"lr": 0.001, "model": {"Vocab": 20, "Ctx": 32, "DModel": 128, "Heads": 4, "Layers": 2, "DFF": 512, "Gates": 3}}`,
		`{"lr": 0.001, "learning_rate": 0.01}`,
	} {
		if _, err := decodeConfig([]byte(raw)); err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("decodeConfig(%s) = %v; want an unknown-field error", raw, err)
		}
	}
}

// At Width every addition, subtraction and product is posed, and answered, as one of that width;
// other kinds keep their prompts and are answered in their skills' fixed number of digits.
func TestSkillShapeWidth(t *testing.T) {
	cfg := Default()
	cfg.Width = 5
	for _, tc := range []struct {
		s              string
		prompt, answer int
	}{
		{"add2", 13, 8}, // ^00012+00034= ; six digits and End (arith.Problem.AtWidth)
		{"sub2", 13, 8}, // six digits, '-', End
		{"add5", 13, 8}, // as wide as Width: posed at it all the same
		{"add6", 15, 8}, // wider than Width: its own shape
		{"mul1", 13, 8}, // ^00005*00008= ; padded as the sums are (arith.Skill.PaddedAt)
		{"mul2", 13, 8}, // ^00095*00045=
		{"comp1", 9, 5}, // ^(9+8)*2= ; 3 digits, '-', End
		{"dsum4", 7, 4}, // ^#8606= ; 2 digits, '-', End
	} {
		sk, err := arith.ParseSkill(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		if p, a := cfg.SkillShape(sk); p != tc.prompt || a != tc.answer {
			t.Errorf("width 5: SkillShape(%s) = %d, %d; want %d, %d", tc.s, p, a, tc.prompt, tc.answer)
		}
	}
}

// At Width the run poses, prompts and scores an addition, subtraction or product as one of that
// width with a Width+1-digit answer, wider sums at their own width, and the other kinds with
// their own prompts and answers of their skills' fixed number of digits.
func TestPoseWidth(t *testing.T) {
	cfg := Default()
	cfg.Width = 5
	for _, tc := range []struct{ q, prompt, want string }{
		{"7+45", "^00007+00045=", "250000$"},
		{"3-5", "^00003-00005=", "899999-$"},
		{"40649-78746", "^40649-78746=", "309169-$"},
		{"123456+1", "^123456+000001=", "754321$"}, // add6: wider than Width
		{"5*8", "^00005*00008=", "040000$"},
		{"3*3", "^00003*00003=", "900000$"},
		{"95*45", "^00095*00045=", "572400$"},
		{"(4-7)-3", "^(4-7)-3=", "499-$"}, // -6 over three digits is 994
		{"(9*9)*9", "^(9*9)*9=", "927$"},
		{"#8606", "^#8606=", "02$"},
	} {
		p, err := arith.ParseQuestion(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		posed := cfg.Pose(p)
		prompt, want := arith.Render(cfg.Prompt(p)), arith.Render(arith.Expected(posed))
		if prompt != tc.prompt || want != tc.want || posed.Answer != p.Answer {
			t.Errorf("width 5: %s posed as %q answered %q (answer %d); want %q answered %q", tc.q, prompt, want, posed.Answer, tc.prompt, tc.want)
		}
		if _, a := cfg.SkillShape(p.Skill); len(arith.Expected(posed)) > a {
			t.Errorf("width 5: %s's answer %q is longer than SkillShape's %d", tc.q, want, a)
		}
	}
}

// With Work the run poses mul2 and comp1 with their working before the answer, and only them;
// the sampler's cap grows by the working and its '='.
func TestPoseWork(t *testing.T) {
	cfg := Default()
	cfg.Width, cfg.Work = 5, true
	for _, tc := range []struct {
		q, want string
		answer  int // SkillShape's cap
	}{
		{"95*45", "52540263=572400$", 17},
		{"95*4", "02630000=083000$", 17},
		{"(4-7)-3", "79-=499-$", 9},
		{"(9*9)*9", "18=927$", 9},
		{"5*8", "040000$", 8}, // mul1: no working
		{"7+45", "250000$", 8},
		{"#8606", "02$", 4},
	} {
		p, err := arith.ParseQuestion(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		posed := cfg.Pose(p)
		if got := arith.Render(arith.Expected(posed)); got != tc.want {
			t.Errorf("width 5, work: %s answered %q; want %q", tc.q, got, tc.want)
		}
		if _, a := cfg.SkillShape(p.Skill); a != tc.answer || len(arith.Expected(posed)) > a {
			t.Errorf("width 5, work: SkillShape(%s) answer %d; want %d, at least len(%q)", p.Skill, a, tc.answer, tc.want)
		}
	}
	cfg.Skills = Skills{{Kind: arith.Mul, Digits: 2}}
	if err := cfg.Validate(); err != nil {
		t.Errorf("width 5, work, mul2: Validate() = %v", err)
	}
	cfg.Model.Ctx = 28 // 13 prompt tokens and 17 answer tokens need 29 positions
	if err := cfg.Validate(); err == nil {
		t.Errorf("width 5, work, mul2 in 28 positions: Validate() = nil; want an error")
	}
}

// The run's width reaches the tutor: at width 5 add2 and add3 both build on add5.
func TestTutorGetsWidth(t *testing.T) {
	cfg := Default()
	cfg.Skills = Skills{{Kind: arith.Add, Digits: 5}, {Kind: arith.Add, Digits: 2}, {Kind: arith.Add, Digits: 3}}
	for _, tc := range []struct {
		width int
		want  string // the learning skills once add5 is mastered
	}{
		{5, "add2,add3"},
		{0, "add2"}, // add3 builds on add2
	} {
		cfg.Width = tc.width
		tu, err := cfg.newTutor()
		if err != nil {
			t.Fatal(err)
		}
		tu.Measured(map[arith.Skill]float64{cfg.Skills[0]: 1})
		var learning []string
		for _, r := range tu.Report() {
			if r.Status == tutor.Learning {
				learning = append(learning, r.Name)
			}
		}
		if got := strings.Join(learning, ","); got != tc.want {
			t.Errorf("width %d, add5 mastered: learning %s; want %s", tc.width, got, tc.want)
		}
	}
}
