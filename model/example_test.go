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

// A mixture-of-experts policy: 16 routed experts of width 128, top-3, and one shared, so a token
// passes through as many MLP units as in the dense model; the trainer balances the experts' load
// by nudging each router's selection bias once a step.
func ExampleConfig_ActiveParams() {
	c := model.DefaultMoEConfig()
	fmt.Println(c.NumParams(), "parameters,", c.ActiveParams(), "active per token; dense:", model.DefaultConfig().NumParams())

	p, err := model.New(c, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := model.NewSampler(p)
	if _, err := s.LogProbs([][]int{{1, 2, 3}}, [][]int{{4, 5}}, 1); err != nil {
		fmt.Println(err)
		return
	}
	load := s.ExpertLoad() // per block, per routed expert: 4 rows, 3 experts each
	total := 0
	for _, n := range load[0] {
		total += n
	}
	fmt.Println(len(load), "blocks,", len(load[0]), "experts,", total, "token-slots in block 0")
	if err := p.UpdateRouterBias(load, 0.001); err != nil {
		fmt.Println(err)
		return
	}
	// Output:
	// 1269556 parameters, 410932 active per token; dense: 406036
	// 2 blocks, 16 experts, 12 token-slots in block 0
}
