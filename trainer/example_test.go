package trainer_test

import (
	"fmt"
	"math/rand/v2"

	"mathzero/env/arith"
	"mathzero/model"
	"mathzero/trainer"
	"mathzero/tutor"
)

// hardestOnly is a tutor of one's own: it keeps the uniform tutor's record (and its JSON state,
// so checkpoints resume) but practises only the last, hardest skill, at every level.
type hardestOnly struct{ *tutor.Uniform }

func (h hardestOnly) Next(n int, rng *rand.Rand) []tutor.Lesson {
	report := h.Report()
	out := make([]tutor.Lesson, n)
	for i := range out {
		last := report[len(report)-1].Skill
		out[i] = tutor.Lesson{Skill: last, Level: last.Top()}
	}
	return out
}

// A tutor is plugged in through Options; the trainer consumes nothing but its methods.
func ExampleNewWith() {
	cfg := trainer.Default()
	cfg.Model = model.Config{Vocab: arith.VocabSize, Ctx: 16, DModel: 16, Heads: 2, Layers: 1, DFF: 32}
	cfg.Skills = trainer.Skills{{Kind: arith.Add, Digits: 1}, {Kind: arith.Add, Digits: 2}}
	cfg.Prompts, cfg.G = 4, 4
	uniform, err := tutor.NewUniform(tutor.Options{Skills: cfg.Skills, Mastery: cfg.Mastery})
	if err != nil {
		panic(err)
	}
	t, err := trainer.NewWith(cfg, trainer.Options{Tutor: hardestOnly{uniform}})
	if err != nil {
		panic(err)
	}
	st, err := t.Step()
	if err != nil {
		panic(err)
	}
	fmt.Println("groups per skill:", st.Skills["add1"].Groups, st.Skills["add2"].Groups)
	// Output:
	// groups per skill: 0 4
}
