package arith_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"mathzero/env/arith"
)

func Example() {
	p, _ := arith.ParseQuestion("What is 7 plus 45?")
	fmt.Println(p.Skill, p, "=", p.Answer)
	fmt.Println(arith.Render(arith.Encode(p)), arith.Render(arith.EncodeAnswer(p.Answer)))

	// A policy's completion is read back with DecodeAnswer.
	completion, _ := arith.Tokenize("25$")
	v, err := arith.DecodeAnswer(completion)
	fmt.Println(v, err, v == p.Answer)
	// Output:
	// add2 7+45 = 52
	// ^07+45= 25$
	// 52 <nil> true
}

func ExampleEncode() {
	for _, q := range []string{"7+45", "40-912", "95*4", "(9+8)*2", "#86"} {
		p, _ := arith.ParseQuestion(q)
		switch p.Skill.Kind {
		case arith.Sub:
			p, _ = p.WithDigits(3)
		case arith.Mul:
			p, _ = p.WithDigits(2)
		}
		fmt.Printf("%-6s %-8s %s\n", p.Skill, p, arith.Render(arith.Encode(p)))
	}
	// Output:
	// add2   7+45     ^07+45=
	// sub3   40-912   ^040-912=
	// mul2   95*4     ^95*04=
	// comp1  (9+8)*2  ^(9+8)*2=
	// dsum4  #86      ^#0086=
}

func ExampleProblem_AtWidth() {
	// At width 6 every addition, subtraction and product has the same prompt length and the same
	// answer length, whatever its own width: seven digits, least significant first. The other
	// kinds keep their prompts and are answered in their skill's fixed number of digits.
	for _, q := range []string{"7+45", "40-912", "3*3", "(4-7)-3"} {
		p, _ := arith.ParseQuestion(q)
		w, _ := p.AtWidth(6)
		fmt.Printf("%-6s %-7s %s %s\n", p.Skill, p, arith.Render(arith.Encode(w)), arith.Render(arith.Expected(w)))
	}
	// Output:
	// add2   7+45    ^000007+000045= 2500000$
	// sub3   40-912  ^000040-000912= 8219999-$
	// mul1   3*3     ^000003*000003= 9000000$
	// comp1  (4-7)-3 ^(4-7)-3= 499-$
}

func ExampleProblem_Worked() {
	// A worked problem writes its intermediate results before '=' and the answer after it: the
	// four one-digit products of 95*45 (25, 45, 20, 36) then 4275, all least significant first;
	// the first result of (4-7)-3 (-3, in ten's complement then '-') then -6.
	for _, q := range []string{"95*45", "(4-7)-3"} {
		p, _ := arith.ParseQuestion(q)
		w, _ := p.AtWidth(5)
		w, _ = w.Worked()
		c := arith.Expected(w)
		v, _ := arith.DecodeAnswer(w.FinalAnswer(c))
		fmt.Printf("%-7s %s %s = %d\n", p, arith.Render(arith.Encode(w)), arith.Render(c), v)
	}
	// Output:
	// 95*45   ^00095*00045= 52540263=572400$ = 4275
	// (4-7)-3 ^(4-7)-3= 79-=499-$ = -6
}

func ExampleEncodeAnswer() {
	// A negative answer is written in ten's complement: -7 is 10-7 = 3, then '-'.
	for _, x := range []int{143, 0, 40, -7, -34, -38097} {
		fmt.Printf("%d -> %s\n", x, arith.Render(arith.EncodeAnswer(x)))
	}
	// Output:
	// 143 -> 341$
	// 0 -> 0$
	// 40 -> 04$
	// -7 -> 3-$
	// -34 -> 66-$
	// -38097 -> 30916-$
}

func ExampleDecodeAnswer() {
	for _, s := range []string{"341$", "30916-$", "040$", "39-$", "341", "341$1", "$"} {
		ts, _ := arith.Tokenize(s)
		v, err := arith.DecodeAnswer(ts)
		fmt.Printf("%-8s %d canonical=%v err=%v\n", s, v, arith.Canonical(ts), err)
	}
	// Output:
	// 341$     143 canonical=true err=<nil>
	// 30916-$  -38097 canonical=true err=<nil>
	// 040$     40 canonical=false err=<nil>
	// 39-$     -7 canonical=false err=<nil>
	// 341      0 canonical=false err=arith: decode answer "341": missing End "$"
	// 341$1    0 canonical=false err=arith: decode answer "341$1": 1 tokens after End
	// $        0 canonical=false err=arith: decode answer "$": no digits at offset 0
}

func ExampleParseQuestion() {
	for _, q := range []string{
		"What is 5 plus 25?",
		"What is 40649 minus 78746?",
		"What is (9 + 8) * 2?",
		"What is the sum of the digits of the number 8606?",
		"-5+3",
		"12abc",
	} {
		p, err := arith.ParseQuestion(q)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p.Skill, p, p.Answer)
	}
	// Output:
	// add2 5+25 30
	// sub5 40649-78746 -38097
	// comp1 (9+8)*2 34
	// dsum4 #8606 20
	// arith: parse question "-5+3": negative operand -5 is not supported
	// arith: parse question "12abc": unknown word "abc"
}

func ExampleParseSkills() {
	skills, err := arith.ParseSkills("add1, add2,mul2")
	fmt.Println(skills, err)
	for _, s := range skills {
		fmt.Println(s, s.PromptLen(), s.MaxAnswerLen())
	}
	_, err = arith.ParseSkills("add1,add9")
	fmt.Println(err != nil)
	// Output:
	// [add1 add2 mul2] <nil>
	// add1 5 3
	// add2 7 4
	// mul2 7 5
	// true
}

func ExampleGenerateTrain() {
	rng := rand.New(rand.NewPCG(1, 2))
	s, _ := arith.ParseSkill("sub2")
	for range 3 {
		p := arith.GenerateTrain(s, rng)
		fmt.Println(p, arith.Render(arith.Encode(p)), arith.Render(arith.EncodeAnswer(p.Answer)), arith.HeldOut(p))
	}
	// Output:
	// 76-61 ^76-61= 51$ false
	// 78-79 ^78-79= 9-$ false
	// 23-4 ^23-04= 91$ false
}

func ExampleReadJSONL() {
	const data = `{"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}
{"context": "\n\nQ: What is 0 plus 25?\n\nA:", "completion": " 25"}
`
	exs, err := arith.ReadJSONL(strings.NewReader(data), "two_digit_addition.jsonl")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ex := range exs {
		fmt.Println(ex.Line, ex.Problem.Skill, arith.Render(arith.Encode(ex.Problem)), ex.Problem.Answer)
	}
	_, err = arith.ReadJSONL(strings.NewReader(`{"context": "Q: What is 1 plus 1?\nA:", "completion": " 3"}`), "bad.jsonl")
	fmt.Println(err)
	// Output:
	// 1 add2 ^98+45= 143
	// 2 add2 ^00+25= 25
	// arith: bad.jsonl:1: completion " 3" disagrees with 1+1 = 2
}

// In the column layout every operand is written least significant digit first at one width, and
// every answer has one more digit than that width, so column i is the same computation at the
// same distances for every i and every width.
func ExampleEncodeColumns() {
	for _, q := range []string{"7+45", "3-5", "40649-78746"} {
		p, _ := arith.ParseQuestion(q)
		p, _ = p.InColumns(5)
		v, _ := arith.DecodeAnswer(arith.Expected(p))
		fmt.Printf("%-12s %-14s %-9s reads %d\n", p, arith.Render(arith.Encode(p)), arith.Render(arith.Expected(p)), v)
	}
	// Output:
	// 7+45         ^70000+54000=  250000$   reads 52
	// 3-5          ^30000-50000=  899999-$  reads -2
	// 40649-78746  ^94604-64787=  309169-$  reads -38097
}
