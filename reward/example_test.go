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
	// reward: parse spec "correct=1,nope=2": unknown reward "nope" (valid: closeness, correct, format, length, partial, sign, think)
}

func ExampleMix_Score() {
	m, _ := reward.Builtins().ParseSpec("correct=1,format=0.1,partial=0.5")
	p, _ := arith.ParseQuestion("98+45") // 143, written "341$"
	for _, text := range []string{"341$", "351$", "341-$", "341"} {
		ts, _ := arith.Tokenize(text)
		c := reward.Completion{Tokens: ts}
		total, parts, _ := m.Score(p, c)
		fmt.Printf("%-6s total=%.2f correct=%g format=%g partial=%.2f tokens=%v\n",
			c.Text(), total, parts[0], parts[1], parts[2], m.TokenScores(p, c))
	}
	// Output:
	// 341$   total=1.60 correct=1 format=1 partial=1.00 tokens=[0.5 0.5 0.5 0.5]
	// 351$   total=0.50 correct=0 format=1 partial=0.80 tokens=[0.5 0 0.5 0.5]
	// 341-$  total=0.50 correct=0 format=1 partial=0.80 tokens=[0.5 0.5 0.5 0 0.5]
	// 341    total=0.40 correct=0 format=0 partial=0.80 tokens=[0.5 0.5 0.5]
}

func ExamplePartialTokens() {
	// -38097, written in ten's complement: 100000-38097 = 61903, "30916-$".
	p, _ := arith.ParseQuestion("40649-78746")
	for _, text := range []string{"30916-$", "30956-$", "30916$", "3091-$", "30916-$$"} {
		ts, _ := arith.Tokenize(text)
		fmt.Printf("%-9s %v\n", text, reward.PartialTokens(p, reward.Completion{Tokens: ts}))
	}
	// Output:
	// 30916-$   [1 1 1 1 1 1 1]
	// 30956-$   [1 1 1 0 1 1 1]
	// 30916$    [1 1 1 1 1 0]
	// 3091-$    [1 1 1 1 0 0]
	// 30916-$$  [1 1 1 1 1 1 1 0]
}

// A custom reward in ten lines: penalise redundant digits past the most significant one.
func ExampleRegistry_Add() {
	noZeros := reward.Reward{
		Name: "nozeros", Doc: "-1 if a well-formed answer has redundant digits (zeros, or nines before -), else 0", Min: -1, Max: 0,
		Score: func(p arith.Problem, c reward.Completion) (float64, bool) {
			_, err := arith.DecodeAnswer(c.Tokens)
			if err != nil || arith.Canonical(c.Tokens) {
				return 0, true // canonical, or not an answer at all (correct and format judge that)
			}
			return -1, true // a well-formed answer with a redundant zero ("040$") or nine ("39-$")
		},
	}
	r := reward.Builtins()
	if err := r.Add(noZeros); err != nil {
		fmt.Println(err)
	}
	m, _ := r.ParseSpec("correct=1,nozeros=0.2")
	p, _ := arith.ParseQuestion("5*8") // 40, written "04$"
	for _, text := range []string{"04$", "040$"} {
		ts, _ := arith.Tokenize(text)
		total, parts, _ := m.Score(p, reward.Completion{Tokens: ts})
		fmt.Printf("%-5s total=%.1f correct=%g nozeros=%g\n", text, total, parts[0], parts[1])
	}
	// Output:
	// 04$   total=1.0 correct=1 nozeros=0
	// 040$  total=0.8 correct=1 nozeros=-1
}
