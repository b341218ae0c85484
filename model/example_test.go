package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"mathzero/model"
)

func Example() {
	p, err := model.New(model.DefaultConfig(), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Config.NumParams(), "parameters in", len(p.Tensors), "tensors; first", p.Tensors[0].Name, p.Tensors[0].Shape)

	// Greedy decoding needs no random source; a token's log-prob is then at temperature 1.
	s := model.NewSampler(p)
	out, err := s.Generate([][]int{{1, 2, 3}, {4}}, 4, 0, -1, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	scored, err := s.LogProbs([][]int{{1, 2, 3}}, [][]int{out[0].Tokens}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Sampling and teacher-forced scoring agree (to rounding: they batch rows differently).
	fmt.Println(len(out[0].Tokens), len(out[1].Tokens), math.Abs(float64(scored[0][0]-out[0].Logp[0])) < 1e-5)
	// Output:
	// 406036 parameters in 30 tensors; first tok_emb [20 128]
	// 4 4 true
}
