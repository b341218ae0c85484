package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"mathzero/env/arith"
	"mathzero/model"
)

// DefaultCorePrice is the price of one core-hour the cost figures assume unless told otherwise:
// about an on-demand AMD vCPU at a large cloud (AWS c7a.large, 2 vCPUs, $0.10266 an hour in
// us-east-1 at the time of writing).
const DefaultCorePrice = 0.05

// Reference output-token prices, in dollars per million, for scale only: these are API list
// prices of large reasoning models, a different class of model from mathzero's 0.4M-parameter
// policy (DeepSeek's R1 announcement and OpenAI's o1 pricing, as quoted by the DeepSeek-R1 paper's
// coverage).
const (
	DeepSeekR1Price = 2.19
	OpenAIo1Price   = 60.0
)

// CostPerMillion is the dollar cost of generating one million tokens at tokensPerSec, on cores
// cores priced pricePerCoreHour each: cores·price / (tokens/s · 3600 s/h) · 10^6. It is NaN for a
// throughput or core count that is not positive.
func CostPerMillion(tokensPerSec float64, cores int, pricePerCoreHour float64) float64 {
	if !(tokensPerSec > 0) || cores < 1 {
		return math.NaN()
	}
	return float64(cores) * pricePerCoreHour / (tokensPerSec * 3600) * 1e6
}

// CostLine is the one line the commands print: the cost of a million generated tokens at the
// measured throughput, with the reference prices beside it, labelled as another model class.
func CostLine(tokensPerSec float64, cores int, pricePerCoreHour float64) string {
	return fmt.Sprintf("cost: $%.4f per million generated tokens (%.0f tokens/s on %s at $%.3f/core-hour); "+
		"for scale only, a different model class: DeepSeek-R1 $%.2f, OpenAI o1 $%.0f per million output tokens",
		CostPerMillion(tokensPerSec, cores, pricePerCoreHour), tokensPerSec, Cores(cores), pricePerCoreHour,
		DeepSeekR1Price, OpenAIo1Price)
}

// Cores writes a core count as the cost lines do: "1 core", "2 cores".
func Cores(n int) string {
	if n == 1 {
		return "1 core"
	}
	return fmt.Sprintf("%d cores", n)
}

// Throughput measures how many answer tokens per second s samples for the run's skills: n
// prompts (skills in turn, from the held-out split, written as cfg writes them) sampled at the
// run's temperature in one batch, like a rollout.
func Throughput(s *model.Sampler, cfg Config, n int) (tokensPerSec float64, err error) {
	if n < 1 {
		return 0, fmt.Errorf("trainer: throughput: %d prompts", n)
	}
	if err := cfg.validateFields(); err != nil {
		return 0, fmt.Errorf("trainer: throughput: %w", err)
	}
	prompts := make([][]int, n)
	maxNew := 0
	per := (n + len(cfg.Skills) - 1) / len(cfg.Skills)
	sets := make([][]arith.Problem, len(cfg.Skills))
	for i, sk := range cfg.Skills {
		sets[i] = arith.HeldOutSet(sk, per, cfg.Seed)
		_, a := cfg.SkillShape(sk)
		maxNew = max(maxNew, a)
	}
	for i := range prompts {
		set := sets[i%len(sets)]
		prompts[i] = arith.IDs(cfg.Prompt(set[(i/len(sets))%len(set)]))
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 4))
	start := time.Now()
	samples, err := s.Generate(prompts, maxNew, cfg.Temperature, int(arith.End), rng)
	if err != nil {
		return 0, fmt.Errorf("trainer: throughput: %w", err)
	}
	secs := time.Since(start).Seconds()
	tokens := 0
	for _, smp := range samples {
		tokens += len(smp.Tokens)
	}
	return float64(tokens) / secs, nil
}
