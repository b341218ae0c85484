package reward_test

import (
	"fmt"

	"mathzero/env/arith"
	"mathzero/reward"
)

func ExampleRegistry_ParseSpec() {
	r := reward.Builtins()
	m, err := r.ParseSpec(" correct = 1, format=0.1 ,partial=0.5")
	fmt.Println(m, err)
	fmt.Println(m.Names(), m.HasTokens())

	_, err = r.ParseSpec("correct=1,nope=2")
	fmt.Println(err)
	// Output:
	// correct=1,format=0.1,partial=0.5 <nil>
	// [correct format partial] true
	// reward: parse spec "correct=1,nope=2": unknown reward "nope" (valid: correct, format, partial)
}

func ExampleMix_Score() {
	m, _ := reward.Builtins().ParseSpec("correct=1,format=0.1,partial=0.5")
	p, _ := arith.ParseQuestion("98+45") // 143, written "341$"
	for _, text := range []string{"341$", "351$", "-341$", "341"} {
		ts, _ := arith.Tokenize(text)
		c := reward.Completion{Tokens: ts}
		total, parts, _ := m.Score(p, c)
		fmt.Printf("%-6s total=%.2f correct=%g format=%g partial=%.2f tokens=%v\n",
			c.Text(), total, parts[0], parts[1], parts[2], m.TokenScores(p, c))
	}
	// Output:
	// 341$   total=1.60 correct=1 format=1 partial=1.00 tokens=[0.5 0.5 0.5 0.5]
	// 351$   total=0.50 correct=0 format=1 partial=0.80 tokens=[0.5 0 0.5 0.5]
	// -341$  total=0.50 correct=0 format=1 partial=0.80 tokens=[0 0.5 0.5 0.5 0.5]
	// 341    total=0.40 correct=0 format=0 partial=0.80 tokens=[0.5 0.5 0.5]
}

func ExamplePartialTokens() {
	p, _ := arith.ParseQuestion("40649-78746") // -38097, written "-79083$"
	for _, text := range []string{"-79083$", "-79583$", "79083$", "-7908$", "-79083$$"} {
		ts, _ := arith.Tokenize(text)
		fmt.Printf("%-9s %v\n", text, reward.PartialTokens(p, reward.Completion{Tokens: ts}))
	}
	// Output:
	// -79083$   [1 1 1 1 1 1 1]
	// -79583$   [1 1 1 0 1 1 1]
	// 79083$    [0 1 1 1 1 1]
	// -7908$    [1 1 1 1 1 0]
	// -79083$$  [1 1 1 1 1 1 1 0]
}
