package trainer

import (
	"testing"
)

// The reference workload of the benchmarks: the default policy (d_model 128, 2 layers, 4 heads,
// MLP 512) on 2-digit addition, 64 problems x G = 8 = 512 sequences a step, each a 7-token prompt
// and up to 4 answer tokens (11 positions; the graph sees 10). Compare with the PyTorch peer:
// scripts/bench-peer.
func benchTrainer(b *testing.B) *Trainer {
	b.Helper()
	cfg := Default()
	cfg.Prompts = 64 // 64 problems × 8 answers = the peer's 512 sequences
	cfg.Curriculum = 0
	t, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkRollout samples and scores one step's 512 completions; sampled_tokens/s counts the
// answer tokens generated, like the peer's rollout_sampled_tok_s.
func BenchmarkRollout(b *testing.B) {
	t := benchTrainer(b)
	b.ReportAllocs()
	tokens := 0
	for b.Loop() {
		groups, _, err := t.rollouts(t.cfg.Prompts)
		if err != nil {
			b.Fatal(err)
		}
		for _, g := range groups {
			for _, s := range g.samples {
				tokens += len(s.Tokens)
			}
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "sampled_tokens/s")
}

// BenchmarkUpdate is forward, backward and AdamW over one fixed batch of 512 rollouts.
func BenchmarkUpdate(b *testing.B) {
	t := benchTrainer(b)
	_, _, in, _, _, err := t.collect()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := t.update(in, t.cfg.LR); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*t.batch*t.seqLen)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkGRPOStep is the whole step: problems, rollouts, rewards, advantages, update, stats.
func BenchmarkGRPOStep(b *testing.B) {
	t := benchTrainer(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*t.batch)/b.Elapsed().Seconds(), "sequences/s")
}
