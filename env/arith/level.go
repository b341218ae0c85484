package arith

import "math/rand/v2"

// Level grades how much of column arithmetic a problem needs, for curricula that start with the
// easy cases. Addition and subtraction climb by carries: NoCarry, then NoOverflow, then Hardest.
// Products of two or more digits climb by form: NoCarry is one row of long multiplication, a
// number of two or more digits times a single digit (95*4), NoOverflow a single-digit operand on
// either side (4*95 and 4*5 too). The composite climbs by operator pair, two rungs a pair
// (CompositeRungs), so its levels run past Hardest to its own top (Skill.Top). Every other
// problem is Hardest, mul1's facts among them.
type Level int

const (
	// NoCarry: every column stands alone. Addition: a_i + b_i ≤ 9 in every column. Subtraction:
	// a_i ≥ b_i in every column (so no borrows and a non-negative answer). Wider products: a ≥ 10
	// times b < 10.
	NoCarry Level = iota
	// NoOverflow: carries or borrows between columns, but the answer keeps the operands' shape.
	// Addition: a + b < 10^Digits (no carry out of the top column). Subtraction: a ≥ b. Wider
	// products: a single-digit operand.
	NoOverflow
	// Hardest is everything else, and the top of every ladder but the composite's: a carry out
	// of the top column, a negative difference, a product of two numbers of two or more digits,
	// and every problem of a skill without a ladder (Skill.HasLadder).
	Hardest
)

// CompositeRungs are the operator pairs (op1, op2) of (a op1 b) op2 c in the order the
// composite's ladder adds them, easiest first by what the policy knows when the composite
// unlocks: the sums, a one-digit product with c added or taken away, the differences (negative
// on the way half the time), then the products of a first result up to 18 (mul2's 95*4) and of
// a negative one. Each pair k has two rungs: level 2k adds its problems whose values (first
// result and answer) are single digits, level 2k+1 the rest of them. A rung draws its newest
// problems half the time and the earlier pairs, every value, otherwise, so that a new pair is
// learnt beside the ones before it rather than in place of them. The top level,
// 2·len(CompositeRungs), is every problem.
//
// One pair at a time, because the composite learnt all nine together is nine tables written at
// the same positions: from this preset's step-7,500 checkpoint, (a+b)+c alone at single-digit
// values was 60% right at step 250, against 17% when mixed with the other eight; moved up to
// every pair at once, it fell to writing 000$ within 250 steps. Single digits first, because
// with every value the answer's units digit, (a+b+c) mod 10 for the sums, is independent of
// any one operand, so no operand's digit says anything about it: (a+b)+c over every value was
// 5% right after 6,000 steps beside mul2 in the preset, the share of a guess.
var CompositeRungs = [...][2]Op{
	{OpAdd, OpAdd}, {OpMul, OpAdd}, {OpAdd, OpSub}, {OpMul, OpSub},
	{OpSub, OpAdd}, {OpSub, OpSub}, {OpAdd, OpMul}, {OpMul, OpMul}, {OpSub, OpMul},
}

// Top is the level at which a curriculum draws every problem of s: 2·len(CompositeRungs) for
// the composite, Hardest for every other skill.
func (s Skill) Top() Level {
	if s.Kind == Composite {
		return Level(2 * len(CompositeRungs))
	}
	return Hardest
}

// smallValues reports whether a composite's first result and answer are both single digits.
func smallValues(p Problem) bool {
	mid := p.Ops[0].apply(p.Operands[0], p.Operands[1])
	return mid >= 0 && mid <= 9 && p.Answer >= 0 && p.Answer <= 9
}

// HasLadder reports whether some problems of s are below Hardest, so that a curriculum can
// climb it: addition and subtraction, the composite, and products wider than one digit (mul1's
// facts are all Hardest).
func (s Skill) HasLadder() bool {
	switch s.Kind {
	case Add, Sub, Composite:
		return true
	case Mul:
		return s.Digits >= 2
	}
	return false
}

// LevelOf returns the level of p.
func LevelOf(p Problem) Level {
	if p.Skill.Kind == Composite {
		if len(p.Ops) != 2 || len(p.Operands) != 3 {
			return p.Skill.Top() // a malformed problem: only the top rung has it
		}
		for i, r := range CompositeRungs {
			if p.Ops[0] == r[0] && p.Ops[1] == r[1] {
				if smallValues(p) {
					return Level(2 * i)
				}
				return Level(2*i + 1)
			}
		}
		return p.Skill.Top()
	}
	if len(p.Operands) != 2 {
		return Hardest
	}
	a, b := p.Operands[0], p.Operands[1]
	if p.Skill.Kind == Mul && p.Skill.HasLadder() {
		// One form at a time: the policy reads 95*4 and 4*95 at different positions, so each is
		// a table of its own, and learnt together neither comes. Measured from a policy that had
		// mastered the sums and mul1, greedy on mul2's problems with a single-digit operand: 95*4
		// alone 71% right by step 2,000 (mixed with 4*95, 38%); 4*95 alone 75% (mixed, 41%); in
		// turn, both forms 61% by step 4,250 against 46% mixed. Ranked by size instead (a
		// product below 10^(Digits+1) as the second rung), the mixed rung levelled off at 46%.
		switch {
		case b < 10 && a >= 10:
			return NoCarry
		case min(a, b) < 10:
			return NoOverflow
		}
		return Hardest
	}
	if p.Skill.Kind != Add && p.Skill.Kind != Sub {
		return Hardest
	}
	columnsFree := true
	for x, y := a, b; x > 0 || y > 0; x, y = x/10, y/10 {
		dx, dy := x%10, y%10
		if (p.Skill.Kind == Add && dx+dy > 9) || (p.Skill.Kind == Sub && dx < dy) {
			columnsFree = false
			break
		}
	}
	switch {
	case columnsFree:
		return NoCarry
	case p.Skill.Kind == Add && int64(a+b) < pow10(p.Skill.Digits):
		return NoOverflow
	case p.Skill.Kind == Sub && a >= b:
		return NoOverflow
	}
	return Hardest
}

// GenerateTrainAt returns a training problem (never held out) of skill s at level max or below;
// other skills ignore max, and so does every skill at its top (Skill.Top). A NoCarry problem is
// drawn column by column: the column's answer digit uniformly, then its operand digits
// uniformly among those that give it. Drawn uniformly from the carry-free problems instead, a
// difference's digit d comes up (10-d)/55 of the time (0 in 18%, 9 in 2%), and a policy
// learning 5-digit subtraction from random weights (answers of six digits) settled on writing
// zeros: 0% held-out at step 750, against 33% at step 900 with even digits. A composite below
// its top (CompositeRungs) draws an earlier pair, uniformly, every value, half the time, and
// otherwise its rung's pair: at single-digit values its answer uniformly first, then a problem
// with that answer, the same way; at every value uniformly. Other levels, and the rungs of the
// products, are drawn uniformly, by rejection.
func GenerateTrainAt(s Skill, max Level, rng *rand.Rand) Problem {
	if !s.HasLadder() || max >= s.Top() {
		return GenerateTrain(s, rng)
	}
	if s.Kind == Composite {
		k, small := 0, true // a level below NoCarry is the first rung
		if max > 0 {
			k, small = int(max)/2, max%2 == 0
		}
		if k > 0 && rng.IntN(2) == 1 {
			k, small = rng.IntN(k), false
		}
		ops, d := CompositeRungs[k][:], rng.IntN(10)
		for {
			x := []int{rng.IntN(10), rng.IntN(10), rng.IntN(10)}
			p, err := NewProblem(s, x, ops)
			if err == nil && !HeldOut(p) && (!small || (smallValues(p) && p.Answer == d)) {
				return p
			}
		}
	}
	if max == NoCarry && (s.Kind == Add || s.Kind == Sub) {
		for {
			a, b, m := 0, 0, 1
			for range s.Digits {
				d := rng.IntN(10) // the column's answer digit
				x, y := 0, 0
				if s.Kind == Add {
					x = rng.IntN(d + 1)
					y = d - x
				} else {
					y = rng.IntN(10 - d)
					x = y + d
				}
				a, b, m = a+m*x, b+m*y, m*10
			}
			if p, err := NewProblem(s, []int{a, b}, nil); err == nil && !HeldOut(p) {
				return p
			}
		}
	}
	for { // a tenth of mul2's problems are 95*4, a fifth have a single-digit operand
		if p := GenerateTrain(s, rng); LevelOf(p) <= max {
			return p
		}
	}
}
