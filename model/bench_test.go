package model

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
)

// The reference workload: a GRPO step of 64 problems × 8 completions with the default config,
// prompts like "^07+45=" (7 tokens) and 5 answer tokens, 12 tokens in all.
const (
	benchSeqs   = 512
	benchPrompt = 7
	benchNew    = 5
)

func benchParams(b *testing.B) (*Params, [][]int) {
	rng := rand.New(rand.NewPCG(1, 2))
	p, err := New(DefaultConfig(), rng)
	if err != nil {
		b.Fatal(err)
	}
	return p, randomTokens(rng, benchSeqs, benchPrompt, p.Config.Vocab)
}

// BenchmarkRollout samples the reference workload (stop disabled, so every sequence runs 5 steps).
// gen_tok/s counts sampled tokens; tok/s counts every position the model processes (prompt too).
func BenchmarkRollout(b *testing.B) {
	p, prompts := benchParams(b)
	s := NewSampler(p)
	rng := rand.New(rand.NewPCG(3, 4))
	if _, err := s.Generate(prompts, benchNew, 1, -1, rng); err != nil { // warm the buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Generate(prompts, benchNew, 1, -1, rng); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*benchSeqs*benchNew)/sec, "gen_tok/s")
	b.ReportMetric(float64(b.N*benchSeqs*(benchPrompt+benchNew))/sec, "tok/s")
}

// BenchmarkLogProbs scores the reference workload teacher-forced (what a frozen reference policy
// costs per step).
func BenchmarkLogProbs(b *testing.B) {
	p, prompts := benchParams(b)
	completions := randomTokens(rand.New(rand.NewPCG(5, 6)), benchSeqs, benchNew, p.Config.Vocab)
	s := NewSampler(p)
	if _, err := s.LogProbs(prompts, completions, 1); err != nil { // warm the buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.LogProbs(prompts, completions, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchSeqs*(benchPrompt+benchNew))/b.Elapsed().Seconds(), "tok/s")
}

// BenchmarkGraphForwardBackward is one training step's forward and backward pass through the graph
// (batch 512 × seqLen 11) with the simple loss -Σ w ⊙ Logp + c Σ Entropy, reading the gradients.
func BenchmarkGraphForwardBackward(b *testing.B) {
	p, _ := benchParams(b)
	const T = benchPrompt + benchNew - 1
	g, err := NewGraph(p, benchSeqs, T, 1)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	w := make([]float32, benchSeqs*T)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	trainerLoss(b, g, w, 0.01)
	ids, targets := randomTokens(rng, benchSeqs, T, p.Config.Vocab), randomTokens(rng, benchSeqs, T, p.Config.Vocab)
	m := gorgonia.NewTapeMachine(g.G, gorgonia.BindDualValues(g.Weights...))
	defer m.Close()
	grads := make([][]float32, len(g.Weights))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := g.SetInputs(ids, targets); err != nil {
			b.Fatal(err)
		}
		if err := m.RunAll(); err != nil {
			b.Fatal(err)
		}
		if err := g.Grads(grads); err != nil {
			b.Fatal(err)
		}
		g.ZeroGrads()
		m.Reset()
	}
	b.ReportMetric(float64(b.N*benchSeqs*T)/b.Elapsed().Seconds(), "tok/s")
}

// BenchmarkNewGraph is what a new (batch, seqLen) shape costs the trainer: building the graph,
// adding a loss, differentiating and compiling a machine.
func BenchmarkNewGraph(b *testing.B) {
	p, _ := benchParams(b)
	const T = benchPrompt + benchNew - 1
	w := make([]float32, benchSeqs*T)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		g, err := NewGraph(p, benchSeqs, T, 1)
		if err != nil {
			b.Fatal(err)
		}
		trainerLoss(b, g, w, 0.01)
		m := gorgonia.NewTapeMachine(g.G, gorgonia.BindDualValues(g.Weights...))
		m.Close()
	}
}
