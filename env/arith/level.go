package arith

import "math/rand/v2"

// Level grades how much of column arithmetic a problem needs, for curricula that start with the
// easy cases. Addition and subtraction climb by carries, the composite by the size of its values
// (its first operation's result and its answer): NoCarry keeps both single digits, NoOverflow
// both in [0, 99]. Products of two or more digits climb by form: NoCarry is one row of long
// multiplication, a number of two or more digits times a single digit (95*4), NoOverflow a
// single-digit operand on either side (4*95 and 4*5 too). Every other problem is Hardest, mul1's
// facts among them.
type Level int

const (
	// NoCarry: every column stands alone. Addition: a_i + b_i ≤ 9 in every column. Subtraction:
	// a_i ≥ b_i in every column (so no borrows and a non-negative answer). Composite: both
	// values single digits. Wider products: a ≥ 10 times b < 10.
	NoCarry Level = iota
	// NoOverflow: carries or borrows between columns, but the answer keeps the operands' shape.
	// Addition: a + b < 10^Digits (no carry out of the top column). Subtraction: a ≥ b.
	// Composite: both values in [0, 99]. Wider products: a single-digit operand.
	NoOverflow
	// Hardest is everything else: a carry out of the top column, a negative difference, a
	// composite with a negative or three-digit value, a product of two numbers of two or more
	// digits, and every problem of a skill without a ladder (Skill.HasLadder).
	Hardest
)

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
	if p.Skill.Kind == Composite && len(p.Ops) == 2 && len(p.Operands) == 3 {
		mid := p.Ops[0].apply(p.Operands[0], p.Operands[1])
		switch {
		case mid >= 0 && mid <= 9 && p.Answer >= 0 && p.Answer <= 9:
			return NoCarry
		case mid >= 0 && mid <= 99 && p.Answer >= 0 && p.Answer <= 99:
			return NoOverflow
		}
		return Hardest
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
// other skills ignore max. A NoCarry problem is drawn column by column: the column's answer
// digit uniformly, then its operand digits uniformly among those that give it. Drawn uniformly
// from the carry-free problems instead, a difference's digit d comes up (10-d)/55 of the time
// (0 in 18%, 9 in 2%), and a policy learning 5-digit subtraction from random weights (answers
// of six digits) settled on writing zeros: 0% held-out at step 750, against 33% at step 900 with
// even digits. A NoCarry composite is drawn the same way: its answer digit uniformly, then a
// problem with that answer. A policy learning the composite from random weights on problems
// drawn uniformly wrote nearly one answer per pair of operators, ignoring the operands:
// (a+b+c) mod 10, the units digit of a sum of three uniform digits, is independent of any two of
// them, so no single operand's digit says anything about it; among single-digit values it does
// (a sum is at least each operand). Measured from random weights: 3-5% of sampled answers right over 1,500
// steps on the composites without a product, drawn uniformly; 18% by step 1,000 drawn this way,
// above the 10% of a guessed units digit but still slow. Other levels, and the rungs of the
// products, are drawn uniformly, by rejection.
func GenerateTrainAt(s Skill, max Level, rng *rand.Rand) Problem {
	if !s.HasLadder() {
		return GenerateTrain(s, rng)
	}
	if max == NoCarry && s.Kind == Composite {
		d := rng.IntN(10)
		for {
			if p := GenerateTrain(s, rng); p.Answer == d && LevelOf(p) == NoCarry {
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
