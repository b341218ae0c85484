package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"mathzero/env/arith"
	"mathzero/reward"
)

// goldenProblems are the problems the golden cases are written for: an addition and a
// subtraction with a negative answer (so that sign applies and "wrong sign" means something).
var goldenProblems = []string{"98+45", "12-57"}

// A goldenCase derives a completion from the true answer.
type goldenCase struct {
	name     string
	formOnly bool // well formed (decodes) but wrong: what a format-only policy writes
	make     func(ans int) string
}

var goldenCases = []goldenCase{
	{"correct", false, func(a int) string { return enc(a) }},
	{"wrong", true, func(a int) string { return enc(a*3 + 17*sgn(a)) }},
	{"off-by-one-digit", true, func(a int) string { return enc(a + sgn(a)) }},
	{"wrong-sign", true, func(a int) string { return enc(-a) }},
	{"redundant-digit", false, redundant},
	{"empty", false, func(int) string { return "" }},
	{"truncated", false, func(a int) string { e := enc(a); return e[:len(e)-1] }},
	{"garbage", false, func(int) string { return "(=#^" }},
	{"after-end", false, func(a int) string { return enc(a) + "$7" }},
}

func enc(a int) string { return arith.Render(arith.EncodeAnswer(a)) }

// redundant writes a's value with one digit too many: a zero past the most significant digit,
// or for a negative answer a nine before the sign ("3-$" for -7 becomes "39-$": 93-100).
func redundant(a int) string {
	e := strings.TrimSuffix(enc(a), "$")
	if a < 0 {
		return strings.TrimSuffix(e, "-") + "9-$"
	}
	return e + "0$"
}

func sgn(a int) int {
	if a < 0 {
		return -1
	}
	return 1
}

// row is one golden completion of one problem, scored.
type row struct {
	problem arith.Problem
	kase    goldenCase
	text    string
	total   float64
	parts   []float64
	ok      []bool
}

func scoreGolden(mix reward.Mix) ([]row, error) {
	var rows []row
	for _, q := range goldenProblems {
		p, err := arith.ParseQuestion(q)
		if err != nil {
			return nil, err
		}
		for _, gc := range goldenCases {
			text := gc.make(p.Answer)
			ts, err := arith.Tokenize(text)
			if err != nil {
				return nil, fmt.Errorf("golden case %s of %s: %w", gc.name, q, err)
			}
			total, parts, ok := mix.Score(p, reward.Completion{Tokens: ts})
			rows = append(rows, row{p, gc, text, total, parts, ok})
		}
	}
	return rows, nil
}

func writeTable(w io.Writer, mix reward.Mix, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "problem\tcase\tcompletion\t%s\ttotal\n", strings.Join(mix.Names(), "\t"))
	for _, r := range rows {
		fmt.Fprintf(tw, "%v=%d\t%s\t%q\t", r.problem, r.problem.Answer, r.kase.name, r.text)
		for i, x := range r.parts {
			if r.ok[i] {
				fmt.Fprintf(tw, "%.3f\t", x)
			} else {
				fmt.Fprint(tw, "n/a\t")
			}
		}
		fmt.Fprintf(tw, "%.3f\n", r.total)
	}
	tw.Flush()
}

// lint returns the composition's warnings; see the command's doc.
func lint(mix reward.Mix, rows []row) []string {
	var out []string
	for i, term := range mix {
		rw := term.Reward
		var seen []float64
		for _, r := range rows {
			if !r.ok[i] {
				continue
			}
			x := r.parts[i]
			seen = append(seen, x)
			if math.IsNaN(x) || x < rw.Min || x > rw.Max {
				out = append(out, fmt.Sprintf("%s: %s on %v scores %v, outside its declared [%g, %g]", rw.Name, r.kase.name, r.problem, x, rw.Min, rw.Max))
			}
		}
		slices.Sort(seen)
		switch {
		case len(seen) == 0:
			out = append(out, fmt.Sprintf("%s: not applicable to any case: it adds nothing", rw.Name))
		case seen[0] == seen[len(seen)-1]:
			out = append(out, fmt.Sprintf("%s: constant %g over the cases: it cannot tell them apart", rw.Name, seen[0]))
		}
		for _, r := range rows {
			if rw.Max <= 0 { // a pure penalty: every right answer maxes it out too
				break
			}
			if r.kase.formOnly && r.ok[i] && r.parts[i] >= rw.Max {
				out = append(out, fmt.Sprintf("%s: the well-formed wrong answer %q (%s) to %v scores its max %g: the policy can max it out without being right",
					rw.Name, r.text, r.kase.name, r.problem, rw.Max))
				break
			}
		}
	}
	// The composition as a whole: a well-formed wrong answer must score below the correct one.
	var correct float64
	for _, r := range rows {
		if r.kase.name == "correct" {
			correct = r.total
		}
		if r.kase.formOnly && r.total >= correct {
			out = append(out, fmt.Sprintf("total: the well-formed wrong answer %q (%s) to %v scores %.3f, no less than the correct answer's %.3f",
				r.text, r.kase.name, r.problem, r.total, correct))
		}
	}
	return out
}
