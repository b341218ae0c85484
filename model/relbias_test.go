package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/gorgonia"
)

// TestRelBiasAttentionWeights holds both engines' attention to the formula of the package
// comment on a case small enough to write out: one sequence of 3 positions, 2 heads of d = 2
// with the same q, k, v but different biases. With v_0 = (1, 0), v_1 = (0, 1), v_2 = 0, the
// sampler's output at position t is (w_t0, w_t1), its first two attention weights; the graph's
// probs gives all of them. The weights must be softmax_s(q_t·k_s/√2 + b[h][t−s]).
func TestRelBiasAttentionWeights(t *testing.T) {
	c := Config{Vocab: 2, Ctx: 4, DModel: 4, Heads: 2, Layers: 1, DFF: 1, RelBias: true}
	p, err := Zero(c)
	must(t, err)
	bias := []float32{
		0.5, -1, 2, 7, // head 0 at distances 0, 1, 2, 3 (3 is never used: T = 3)
		-0.5, 1.5, -2, 7, // head 1
	}
	copy(block(c, p.Tensors, 0)[offRelBias].Data, bias)
	q := [][]float32{{2, 0}, {0, 1}, {1, 1}}
	k := [][]float32{{1, 0}, {0, 1}, {1, 1}}
	v := [][]float32{{1, 0}, {0, 1}, {0, 0}}
	// q_t·k_s by hand, for s ≤ t.
	dots := [][]float64{{2}, {0, 1}, {1, 1, 2}}
	const T, D = 3, 4
	qkv := make([]float32, T*3*D)
	for r := 0; r < T; r++ {
		for h := 0; h < 2; h++ {
			copy(qkv[r*3*D+h*2:], q[r])
			copy(qkv[r*3*D+D+h*2:], k[r])
			copy(qkv[r*3*D+2*D+h*2:], v[r])
		}
	}
	want := func(h, t int) []float64 {
		w := make([]float64, t+1)
		var sum float64
		for s := range w {
			w[s] = math.Exp(dots[t][s]/math.Sqrt2 + float64(bias[h*c.Ctx+t-s]))
			sum += w[s]
		}
		for s := range w {
			w[s] /= sum
		}
		return w
	}

	// The sampler: one pass over rows at positions 0, 1, 2 of one sequence.
	s := NewSampler(p)
	s.reserve(1, T)
	ps := &s.parts[0]
	ps.reserve(c, T, 0)
	rows := []row{{slot: 0, pos: 0, out: -1}, {slot: 0, pos: 1, out: -1}, {slot: 0, pos: 2, out: -1}}
	att := make([]float32, T*D)
	ps.attention(s, att, qkv, rows, 0, serial)
	// The graph's attention op.
	op := attentionOp{seqLen: T, heads: 2, relBias: true}
	pr := make([]float32, T)
	for h := 0; h < 2; h++ {
		for tt := 0; tt < T; tt++ {
			w := want(h, tt)
			got := []float32{att[tt*D+h*2], att[tt*D+h*2+1]}
			for sIdx := 0; sIdx < min(tt+1, 2); sIdx++ {
				if math.Abs(float64(got[sIdx])-w[sIdx]) > 1e-6 {
					t.Errorf("sampler: head %d, t %d: weight of s %d = %v; want %v", h, tt, sIdx, got[sIdx], w[sIdx])
				}
			}
			op.probs(pr, qkv, biasOf(bias, c.Ctx, h), D, 0, tt, h)
			for sIdx := range w {
				if math.Abs(float64(pr[sIdx])-w[sIdx]) > 1e-6 {
					t.Errorf("graph: head %d, t %d: weight of s %d = %v; want %v", h, tt, sIdx, pr[sIdx], w[sIdx])
				}
			}
		}
	}
	// The bias matters: without it, head 0 at t = 2 would weigh s = 2 most (q·k = 2); with
	// b[0][2] = 2 at s = 0, s = 0 wins.
	if w := want(0, 2); !(w[0] > w[2]) {
		t.Errorf("hand case: weights %v; want the bias to favour s = 0", w)
	}
}

// TestRelBiasZeroIsNoBias: at its initial value zero the bias changes nothing, bit for bit: a
// RoPE+RelBias policy with zero rel_bias scores as the RoPE policy with the same other tensors.
func TestRelBiasZeroIsNoBias(t *testing.T) {
	for _, base := range []Config{withRoPE(tinyConfig()), withRoPE(moeConfig())} {
		p := newTinyOf(t, base, 31)
		c := withRelBias(base)
		q, err := Zero(c)
		must(t, err)
		for _, tn := range p.Tensors {
			copy(q.Lookup(tn.Name).Data, tn.Data)
		}
		rng := rand.New(rand.NewPCG(3, 1))
		prompts, completions := randomTokens(rng, 4, 3, c.Vocab), randomTokens(rng, 4, 5, c.Vocab)
		a, err := NewSampler(p).LogProbs(prompts, completions, 1)
		must(t, err)
		b, err := NewSampler(q).LogProbs(prompts, completions, 1)
		must(t, err)
		for i := range a {
			for k := range a[i] {
				if math.Float32bits(a[i][k]) != math.Float32bits(b[i][k]) {
					t.Errorf("experts %d: sequence %d, token %d: log-prob %v with zero rel_bias, %v without", c.Experts, i, k, b[i][k], a[i][k])
				}
			}
		}
	}
}

// TestGraphGOMAXPROCS: the graph's outputs and gradients, rel_bias's included, do not depend on
// how many goroutines share the work (its fused ops split sequences and rows; forced here on a
// small input).
func TestGraphGOMAXPROCS(t *testing.T) {
	defer func(e, r, s int) { grainElems, grainRows, grainSeqs = e, r, s }(grainElems, grainRows, grainSeqs)
	grainElems, grainRows, grainSeqs = 2, 2, 2
	for _, cfg := range []Config{withRelBias(tinyConfig()), withRelBias(moeConfig()), withRoPE(withRelBias(tinyConfig()))} {
		t.Run(fmt.Sprintf("experts=%d,RoPE=%v", cfg.Experts, cfg.RoPE), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(41, 42))
			p, err := New(cfg, rng)
			must(t, err)
			perturb(p, rng, 0.2)
			const B, T = 7, 6
			g, err := NewGraph(p, B, T, 1)
			must(t, err)
			w := make([]float32, B*T)
			for i := range w {
				w[i] = float32(rng.NormFloat64())
			}
			trainerLoss(t, g, w, 0.1)
			must(t, g.SetInputs(randomTokens(rng, B, T, cfg.Vocab), randomTokens(rng, B, T, cfg.Vocab)))
			m := gorgonia.NewTapeMachine(g.G, gorgonia.BindDualValues(g.Weights...))
			defer m.Close()
			run := func(procs int) ([]float32, [][]float32) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				g.ZeroGrads()
				m.Reset()
				must(t, m.RunAll())
				logp, _, err := g.Outputs()
				must(t, err)
				grads := make([][]float32, len(g.Weights))
				must(t, g.Grads(grads))
				return logp, grads
			}
			logp1, grads1 := run(1)
			for _, procs := range []int{2, 3, 8} {
				logp, grads := run(procs)
				for r := range logp {
					if math.Float32bits(logp[r]) != math.Float32bits(logp1[r]) {
						t.Fatalf("GOMAXPROCS %d: Logp[%d] = %v; %v under 1", procs, r, logp[r], logp1[r])
					}
				}
				for i := range grads {
					for k := range grads[i] {
						if math.Float32bits(grads[i][k]) != math.Float32bits(grads1[i][k]) {
							t.Fatalf("GOMAXPROCS %d: gradient of %s[%d] = %v; %v under 1", procs, g.Weights[i].Name(), k, grads[i][k], grads1[i][k])
						}
					}
				}
			}
		})
	}
}
