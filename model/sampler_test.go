package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

func newTiny(t *testing.T, seed uint64) *Params {
	t.Helper()
	return newTinyOf(t, tinyConfig(), seed)
}

// newTinyOf is newTiny for config cfg (tinyConfig with RoPE, say).
func newTinyOf(t *testing.T, cfg Config, seed uint64) *Params {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	p, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	perturb(p, rng, 0.3)
	return p
}

// graphLogp scores each prompt+completion with a Graph and returns the log-probs of the completion
// tokens, as the trainer will: ids = seq[:-1] and targets = seq[1:], right-padded with token 0.
func graphLogp(t *testing.T, g *Graph, prompts, completions [][]int) [][]float32 {
	t.Helper()
	ids := make([][]int, g.Batch)
	targets := make([][]int, g.Batch)
	for b := range ids {
		ids[b] = make([]int, g.SeqLen)
		targets[b] = make([]int, g.SeqLen)
		if b >= len(prompts) {
			continue
		}
		seq := append(append([]int(nil), prompts[b]...), completions[b]...)
		copy(ids[b], seq[:len(seq)-1])
		copy(targets[b], seq[1:])
	}
	logp, _ := runForward(t, g, ids, targets)
	out := make([][]float32, len(prompts))
	for b := range prompts {
		for k := range completions[b] {
			out[b] = append(out[b], logp[b*g.SeqLen+len(prompts[b])-1+k])
		}
	}
	return out
}

// refCompletionLogp scores a completion with the float64 reference.
func refCompletionLogp(p *Params, prompt, completion []int, tau float64) []float64 {
	seq := append(append([]int(nil), prompt...), completion...)
	lg := refLogits(p, seq)
	var out []float64
	for k, tok := range completion {
		out = append(out, refLogSoftmax(lg[len(prompt)-1+k], tau)[tok])
	}
	return out
}

func TestSamplerAgreesWithGraphAndReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"tiny", tinyConfig()}, {"default", DefaultConfig()}, {"tiny-rope", withRoPE(tinyConfig())}, {"default-rope", withRoPE(DefaultConfig())},
		{"tiny-relbias", withRelBias(tinyConfig())}, {"default-relbias", withRelBias(DefaultConfig())},
		{"tiny-relbias-rope", withRoPE(withRelBias(tinyConfig()))},
		{"tiny-rope-base30", func() Config { c := withRoPE(tinyConfig()); c.RoPEBase = 30; return c }()},
	} {
		t.Run(tc.name, func(t *testing.T) { testSamplerAgrees(t, tc.cfg, 0.1) })
	}
}

// testSamplerAgrees generates from a model of config cfg (perturbed by std) and scores the samples
// with Generate, LogProbs and a Graph, holding all three to the reference; twice, the second time
// after an in-place update of the parameters.
func testSamplerAgrees(t *testing.T, cfg Config, std float64) {
	rng := rand.New(rand.NewPCG(5, 6))
	p, err := New(cfg, rng)
	must(t, err)
	perturb(p, rng, std)
	V := cfg.Vocab
	prompts := [][]int{{1, 2, 3}, {4}, {5, 6, 7, 8, 9}, {2, 2}, {0, 1, 2, 3, 4, 5, 6}}
	const maxNew, tau = 5, 0.8
	seqLen := 0
	for _, pr := range prompts {
		seqLen = max(seqLen, len(pr)+maxNew-1)
	}
	s := NewSampler(p)
	g, err := NewGraph(p, len(prompts), seqLen, tau)
	must(t, err)
	for round := 0; round < 2; round++ {
		if round == 1 {
			// Live sharing: the sampler and graph built above follow in-place updates.
			perturb(p, rng, 0.1)
		}
		samples, err := s.Generate(prompts, maxNew, tau, -1, rng)
		must(t, err)
		completions := make([][]int, len(samples))
		for i, smp := range samples {
			if len(smp.Tokens) != maxNew || len(smp.Logp) != maxNew {
				t.Fatalf("sample %d has %d tokens and %d log-probs, want %d", i, len(smp.Tokens), len(smp.Logp), maxNew)
			}
			for _, tok := range smp.Tokens {
				if tok < 0 || tok >= V {
					t.Fatalf("sample %d: token %d out of range", i, tok)
				}
			}
			completions[i] = smp.Tokens
		}
		scored, err := s.LogProbs(prompts, completions, tau)
		must(t, err)
		fromGraph := graphLogp(t, g, prompts, completions)
		for i, smp := range samples {
			ref := refCompletionLogp(p, prompts[i], smp.Tokens, tau)
			for k := range smp.Tokens {
				for _, c := range []struct {
					what string
					v    float32
				}{{"Generate", smp.Logp[k]}, {"LogProbs", scored[i][k]}, {"Graph", fromGraph[i][k]}} {
					if d := math.Abs(float64(c.v) - ref[k]); d > 1e-4 {
						t.Errorf("round %d, seq %d, token %d: %s log-prob %v, reference %v", round, i, k, c.what, c.v, ref[k])
					}
				}
			}
		}
	}
}

func TestGreedy(t *testing.T) {
	for _, cfg := range []Config{tinyConfig(), withRoPE(tinyConfig()), withRelBias(tinyConfig())} {
		t.Run(posName(cfg), func(t *testing.T) { testGreedy(t, newTinyOf(t, cfg, 7)) })
	}
}

// posName names a subtest by how cfg encodes positions.
func posName(cfg Config) string {
	name := fmt.Sprintf("RoPE=%v", cfg.RoPE)
	if cfg.RelBias {
		name += ",RelBias"
	}
	return name
}

func testGreedy(t *testing.T, p *Params) {
	s := NewSampler(p)
	prompts := [][]int{{3, 1, 4}, {1}, {5, 9, 2, 6, 5}}
	a, err := s.Generate(prompts, 6, 0, -1, nil)
	must(t, err)
	b, err := s.Generate(prompts, 6, 0, -1, nil)
	must(t, err)
	for i := range prompts {
		if !equalInts(a[i].Tokens, b[i].Tokens) {
			t.Errorf("greedy run 1 gave %v, run 2 %v", a[i].Tokens, b[i].Tokens)
		}
		// Each token is the reference argmax; the log-prob is at temperature 1.
		seq := append([]int(nil), prompts[i]...)
		for k, tok := range a[i].Tokens {
			lg := refLogits(p, seq)[len(seq)-1]
			best := 0
			for v := range lg {
				if lg[v] > lg[best] {
					best = v
				}
			}
			if tok != best {
				t.Errorf("prompt %d, step %d: greedy token %d, reference argmax %d", i, k, tok, best)
			}
			if want := refLogSoftmax(lg, 1)[tok]; math.Abs(float64(a[i].Logp[k])-want) > 1e-4 {
				t.Errorf("prompt %d, step %d: greedy log-prob %v, want %v at temperature 1", i, k, a[i].Logp[k], want)
			}
			seq = append(seq, tok)
		}
		// Batching does not leak between sequences: alone, each prompt decodes the same.
		alone, err := s.Generate(prompts[i:i+1], 6, 0, -1, nil)
		must(t, err)
		if !equalInts(alone[0].Tokens, a[i].Tokens) {
			t.Errorf("prompt %d alone decodes %v, in a batch %v", i, alone[0].Tokens, a[i].Tokens)
		}
	}
}

func TestArgmaxTies(t *testing.T) {
	if got := argmax([]float32{1, 3, 3, 2}); got != 1 {
		t.Errorf("argmax with a tie = %d, want the lowest index 1", got)
	}
}

func TestGenerateSeeded(t *testing.T) {
	p := newTiny(t, 8)
	prompts := [][]int{{1, 2}, {3}, {4, 5, 6}}
	run := func() []Sample {
		out, err := NewSampler(p).Generate(prompts, 8, 1, -1, rand.New(rand.NewPCG(42, 0)))
		must(t, err)
		return out
	}
	a, b := run(), run()
	for i := range a {
		if !equalInts(a[i].Tokens, b[i].Tokens) {
			t.Errorf("same seed, sequence %d: %v then %v", i, a[i].Tokens, b[i].Tokens)
		}
		for k := range a[i].Logp {
			if a[i].Logp[k] != b[i].Logp[k] {
				t.Errorf("same seed, sequence %d, token %d: log-prob %v then %v", i, k, a[i].Logp[k], b[i].Logp[k])
			}
		}
	}
}

func TestGenerateStop(t *testing.T) {
	p := newTiny(t, 9)
	const stop = 10
	prompts := make([][]int, 64)
	for i := range prompts {
		prompts[i] = []int{i % 10, (i / 10) % 10}
	}
	const maxNew = 8
	out, err := NewSampler(p).Generate(prompts, maxNew, 1.5, stop, rand.New(rand.NewPCG(1, 1)))
	must(t, err)
	stopped := 0
	for i, smp := range out {
		for k, tok := range smp.Tokens {
			if tok == stop && k != len(smp.Tokens)-1 {
				t.Errorf("sequence %d continues after the stop token: %v", i, smp.Tokens)
			}
		}
		if n := len(smp.Tokens); n < maxNew && (n == 0 || smp.Tokens[n-1] != stop) {
			t.Errorf("sequence %d ended early without the stop token: %v", i, smp.Tokens)
		}
		if n := len(smp.Tokens); n > 0 && smp.Tokens[n-1] == stop {
			stopped++
		}
	}
	if stopped == 0 {
		t.Errorf("no sequence emitted the stop token; the test checks nothing")
	}

	// A model that always says stop stops at once.
	p.Lookup("head.b").Data[stop] = 100
	out, err = NewSampler(p).Generate(prompts[:3], maxNew, 1, stop, rand.New(rand.NewPCG(1, 1)))
	must(t, err)
	for i, smp := range out {
		if !equalInts(smp.Tokens, []int{stop}) {
			t.Errorf("sequence %d = %v, want just the stop token", i, smp.Tokens)
		}
	}
}

func TestGenerateCtxLimit(t *testing.T) {
	p := newTiny(t, 10)
	ctx := p.Config.Ctx
	full := make([]int, ctx)
	nearly := make([]int, ctx-2)
	out, err := NewSampler(p).Generate([][]int{full, nearly, {1}}, 100, 1, -1, rand.New(rand.NewPCG(2, 2)))
	must(t, err)
	for i, want := range []int{0, 2, ctx - 1} {
		if got := len(out[i].Tokens); got != want {
			t.Errorf("sequence %d: %d new tokens, want %d (Ctx %d)", i, got, want, ctx)
		}
	}
	// maxNew 0 and no prompts are fine.
	out, err = NewSampler(p).Generate([][]int{{1}}, 0, 1, -1, rand.New(rand.NewPCG(2, 2)))
	if err != nil || len(out) != 1 || len(out[0].Tokens) != 0 {
		t.Errorf("Generate(maxNew 0) = %v, %v; want one empty sample", out, err)
	}
	out, err = NewSampler(p).Generate(nil, 5, 0, -1, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("Generate(no prompts) = %v, %v; want nothing", out, err)
	}
}

// TestLogProbsChunks scores more rows than one forward chunk holds and compares with scoring each
// sequence alone.
func TestLogProbsChunks(t *testing.T) {
	for _, cfg := range []Config{tinyConfig(), withRoPE(tinyConfig()), withRelBias(tinyConfig())} {
		t.Run(posName(cfg), func(t *testing.T) { testLogProbsChunks(t, newTinyOf(t, cfg, 11)) })
	}
}

func testLogProbsChunks(t *testing.T, p *Params) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 250 // 250 sequences of 10 rows > maxChunk
	prompts := randomTokens(rng, n, 6, p.Config.Vocab)
	completions := randomTokens(rng, n, 5, p.Config.Vocab)
	s := NewSampler(p)
	all, err := s.LogProbs(prompts, completions, 1)
	must(t, err)
	for _, i := range []int{0, 1, 150, 203, n - 1} {
		one, err := NewSampler(p).LogProbs(prompts[i:i+1], completions[i:i+1], 1)
		must(t, err)
		for k := range one[0] {
			if d := math.Abs(float64(one[0][k] - all[i][k])); d > 1e-5 {
				t.Errorf("sequence %d, token %d: %v in a batch of %d, %v alone", i, k, all[i][k], n, one[0][k])
			}
		}
	}
	// Greedy generation through the chunked prefill agrees with generation alone.
	gen, err := s.Generate(prompts, 3, 0, -1, nil)
	must(t, err)
	for _, i := range []int{0, 187, n - 1} {
		one, err := NewSampler(p).Generate(prompts[i:i+1], 3, 0, -1, nil)
		must(t, err)
		if !equalInts(one[0].Tokens, gen[i].Tokens) {
			t.Errorf("sequence %d: greedy %v in a batch, %v alone", i, gen[i].Tokens, one[0].Tokens)
		}
	}
}

func TestSamplerErrors(t *testing.T) {
	p := newTiny(t, 12)
	V, ctx := p.Config.Vocab, p.Config.Ctx
	long := make([]int, ctx+1)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name    string
		prompts [][]int
		maxNew  int
		temp    float64
		stop    int
		rng     *rand.Rand
		want    string
	}{
		{"empty prompt", [][]int{{1}, {}}, 3, 1, -1, rng, "prompt 1: empty prompt"},
		{"negative token", [][]int{{1, -1}}, 3, 1, -1, rng, "token -1 at 1 out of range"},
		{"token = vocab", [][]int{{V}}, 3, 1, -1, rng, "out of range"},
		{"prompt longer than ctx", [][]int{long}, 3, 1, -1, rng, "more than Ctx"},
		{"negative maxNew", [][]int{{1}}, -1, 1, -1, rng, "maxNew -1"},
		{"negative temperature", [][]int{{1}}, 3, -1, -1, rng, "temperature"},
		{"NaN temperature", [][]int{{1}}, 3, math.NaN(), -1, rng, "temperature"},
		{"infinite temperature", [][]int{{1}}, 3, math.Inf(1), -1, rng, "temperature"},
		{"tiny temperature", [][]int{{1}}, 3, 1e-300, -1, rng, "use 0 for greedy"},
		{"nil rng", [][]int{{1}}, 3, 1, -1, nil, "random source"},
		{"stop = vocab", [][]int{{1}}, 3, 1, V, rng, "stop token"},
	} {
		out, err := NewSampler(p).Generate(tc.prompts, tc.maxNew, tc.temp, tc.stop, tc.rng)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Generate = %v, %v; want error containing %q", tc.name, out, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name                 string
		prompts, completions [][]int
		temp                 float64
		want                 string
	}{
		{"count mismatch", [][]int{{1}}, nil, 1, "1 prompts but 0 completions"},
		{"empty prompt", [][]int{{}}, [][]int{{1}}, 1, "empty prompt"},
		{"too long", [][]int{{1, 2}}, [][]int{make([]int, ctx-1)}, 1, "more than Ctx"},
		{"completion token", [][]int{{1}}, [][]int{{2, V}}, 1, "completion 0: token 11 at 1"},
		{"temperature", [][]int{{1}}, [][]int{{2}}, -0.5, "temperature"},
	} {
		out, err := NewSampler(p).LogProbs(tc.prompts, tc.completions, tc.temp)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: LogProbs = %v, %v; want error containing %q", tc.name, out, err, tc.want)
		}
	}

	// Broken parameters are an error, not a panic.
	broken := p.Clone()
	broken.Tensors[3].Data = broken.Tensors[3].Data[:5]
	if _, err := NewSampler(broken).Generate([][]int{{1}}, 2, 1, -1, rng); err == nil || !strings.Contains(err.Error(), "blocks.0.ln1.b has 5 values") {
		t.Errorf("Generate on truncated params: err = %v", err)
	}
	if _, err := NewSampler(nil).LogProbs([][]int{{1}}, [][]int{{1}}, 1); err == nil {
		t.Errorf("LogProbs on nil params: no error")
	}
}

// FuzzGenerate feeds arbitrary prompts, lengths and temperatures to Generate and LogProbs: they
// must return an error or well-formed samples, never panic.
func FuzzGenerate(f *testing.F) {
	f.Add([]byte{1, 2, 3}, 4, 1.0, 3)
	f.Add([]byte{}, 0, 0.0, -1)
	f.Add([]byte{255, 0, 11, 10}, -1, -2.0, 11)
	f.Add(make([]byte, 13), 30, 1e-9, 0)
	p, err := New(tinyConfig(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		f.Fatal(err)
	}
	s := NewSampler(p)
	f.Fuzz(func(t *testing.T, raw []byte, maxNew int, temp float64, stop int) {
		prompt := make([]int, len(raw))
		for i, b := range raw {
			prompt[i] = int(b) - 2 // some negative, some beyond the vocabulary
		}
		prompts := [][]int{prompt, {1}}
		out, err := s.Generate(prompts, maxNew%40, temp, stop, rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			return
		}
		for i, smp := range out {
			if len(smp.Tokens) != len(smp.Logp) || len(prompts[i])+len(smp.Tokens) > p.Config.Ctx {
				t.Fatalf("sample %d: %d tokens, %d log-probs after a prompt of %d", i, len(smp.Tokens), len(smp.Logp), len(prompts[i]))
			}
			for k, lp := range smp.Logp {
				if !(lp <= 0) || smp.Tokens[k] < 0 || smp.Tokens[k] >= p.Config.Vocab {
					t.Fatalf("sample %d, token %d: %d with log-prob %v", i, k, smp.Tokens[k], lp)
				}
			}
		}
		completions := [][]int{out[0].Tokens, out[1].Tokens}
		if _, err := s.LogProbs(prompts, completions, temp); err != nil && temp > 0 && temp < 1e300 {
			t.Fatalf("LogProbs of Generate's own output: %v", err)
		}
	})
}

// groupPrompts returns n distinct prompts of 1 to 6 tokens, each repeated g times in a row, as a
// GRPO step lays them out (each copy its own slice).
func groupPrompts(rng *rand.Rand, n, g, vocab int) [][]int {
	var prompts [][]int
	for range n {
		pr := randomTokens(rng, 1, 1+rng.IntN(6), vocab)[0]
		for range g {
			prompts = append(prompts, append([]int(nil), pr...))
		}
	}
	return prompts
}

// TestGenerateGOMAXPROCS: the samples depend only on the seed, not on how many goroutines
// compute them (the sampler splits large chunks in two at fixed places, and draws the random
// numbers in order of sequence on one goroutine).
func TestGenerateGOMAXPROCS(t *testing.T) {
	testGenerateGOMAXPROCS(t, newTiny(t, 13))
	testGenerateGOMAXPROCS(t, newTinyOf(t, withRoPE(tinyConfig()), 13))
	testGenerateGOMAXPROCS(t, newTinyOf(t, withRelBias(tinyConfig()), 13))
}

func testGenerateGOMAXPROCS(t *testing.T, p *Params) {
	prompts := groupPrompts(rand.New(rand.NewPCG(4, 4)), 40, 8, p.Config.Vocab)
	run := func(procs int) []Sample {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		out, err := NewSampler(p).Generate(prompts, 6, 1, 3, rand.New(rand.NewPCG(42, 7)))
		must(t, err)
		return out
	}
	one, two := run(1), run(2)
	for i := range one {
		if !equalInts(one[i].Tokens, two[i].Tokens) {
			t.Fatalf("sequence %d: %v under GOMAXPROCS 1, %v under 2", i, one[i].Tokens, two[i].Tokens)
		}
		for k := range one[i].Logp {
			if math.Float32bits(one[i].Logp[k]) != math.Float32bits(two[i].Logp[k]) {
				t.Fatalf("sequence %d, token %d: log-prob %v under GOMAXPROCS 1, %v under 2", i, k, one[i].Logp[k], two[i].Logp[k])
			}
		}
	}
}

// TestGenerateRepeatedPrompts: prompts that repeat are prefilled once and their keys and values
// copied; what is sampled after them must be scored by LogProbs (which prefills every copy) as
// Generate reported it, and greedy decoding must match decoding each prompt alone.
func TestGenerateRepeatedPrompts(t *testing.T) {
	for _, cfg := range []Config{tinyConfig(), withRoPE(tinyConfig()), withRelBias(tinyConfig())} {
		t.Run(posName(cfg), func(t *testing.T) { testGenerateRepeatedPrompts(t, newTinyOf(t, cfg, 14)) })
	}
}

func testGenerateRepeatedPrompts(t *testing.T, p *Params) {
	rng := rand.New(rand.NewPCG(5, 5))
	prompts := groupPrompts(rng, 20, 4, p.Config.Vocab)
	rng.Shuffle(len(prompts), func(i, j int) { prompts[i], prompts[j] = prompts[j], prompts[i] })
	s := NewSampler(p)
	out, err := s.Generate(prompts, 5, 1, -1, rand.New(rand.NewPCG(6, 6)))
	must(t, err)
	completions := make([][]int, len(out))
	for i, smp := range out {
		completions[i] = smp.Tokens
	}
	scored, err := NewSampler(p).LogProbs(prompts, completions, 1)
	must(t, err)
	for i := range out {
		for k := range out[i].Logp {
			if d := math.Abs(float64(out[i].Logp[k] - scored[i][k])); d > 1e-5 {
				t.Errorf("sequence %d, token %d: Generate's log-prob %v, LogProbs' %v", i, k, out[i].Logp[k], scored[i][k])
			}
		}
	}
	greedy, err := s.Generate(prompts, 5, 0, -1, nil)
	must(t, err)
	for _, i := range []int{0, 1, 17, 40, len(prompts) - 1} {
		one, err := NewSampler(p).Generate(prompts[i:i+1], 5, 0, -1, nil)
		must(t, err)
		if !equalInts(one[0].Tokens, greedy[i].Tokens) {
			t.Errorf("sequence %d: greedy %v in a batch, %v alone", i, greedy[i].Tokens, one[0].Tokens)
		}
	}
}
