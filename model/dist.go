package model

import (
	"fmt"
	"math"
)

// NextDistributions runs completions teacher-forced like LogProbs but returns the whole next-token
// distribution at each completion position: out[i][k][v] = π(v | prompts[i], completions[i][:k])
// under softmax(logits/temperature), temperature 0 meaning 1, so that
// log out[i][k][completions[i][k]] = LogProbs(...)[i][k]. It is for comparing two policies (a KL
// between them needs every token's probability, not only the chosen one's). The same limits as
// LogProbs apply.
func (s *Sampler) NextDistributions(prompts, completions [][]int, temperature float64) ([][][]float32, error) {
	if err := s.p.Check(); err != nil {
		return nil, err
	}
	cfg := s.p.Config
	if len(prompts) != len(completions) {
		return nil, fmt.Errorf("model: NextDistributions: %d prompts but %d completions", len(prompts), len(completions))
	}
	tau, err := checkTemperature(temperature)
	if err != nil {
		return nil, fmt.Errorf("model: NextDistributions: %w", err)
	}
	out := make([][][]float32, len(prompts))
	var slots [][]float32 // flat index -> destination
	if err := s.checkTeacher(prompts, completions); err != nil {
		return nil, fmt.Errorf("model: NextDistributions: %w", err)
	}
	for i := range prompts {
		c := completions[i]
		out[i] = make([][]float32, len(c))
		for k := range c {
			out[i][k] = make([]float32, cfg.Vocab)
			slots = append(slots, out[i][k])
		}
	}
	if len(slots) == 0 {
		return out, nil
	}
	s.reserve(len(prompts), longestTeacher(prompts, completions))

	// As in LogProbs: the logits at position len(prompt)-1+k are the distribution of token k.
	rows := teacherRows(s.rowsA[:0], prompts, completions)
	invT := 1 / tau
	s.run(rows, func(o int, logits []float32) {
		// softmax(logits·invT), accumulated in float64 as logSoftmaxAt does.
		mx := math.Inf(-1)
		for _, v := range logits {
			mx = max(mx, float64(v)*invT)
		}
		var sum float64
		for _, v := range logits {
			sum += math.Exp(float64(v)*invT - mx)
		}
		for j, v := range logits {
			slots[o][j] = float32(math.Exp(float64(v)*invT-mx) / sum)
		}
	})
	s.rowsA = rows[:0]
	return out, nil
}
