package arith

import (
	"math/rand/v2"
	"testing"
)

func TestLevelOf(t *testing.T) {
	add2, sub2, add3 := Skill{Add, 2}, Skill{Sub, 2}, Skill{Add, 3}
	tests := []struct {
		skill Skill
		a, b  int
		want  Level
	}{
		{add2, 12, 34, NoCarry},
		{add2, 0, 0, NoCarry},
		{add2, 45, 54, NoCarry},    // 99: every column exactly 9
		{add2, 15, 5, NoOverflow},  // units carry, 20 < 100
		{add2, 50, 50, Hardest},    // carry out of the tens: 100
		{add2, 99, 99, Hardest},    // carries everywhere
		{add3, 500, 499, NoCarry},  // 999
		{add3, 950, 50, Hardest},   // 1000
		{sub2, 45, 23, NoCarry},    // 22, no borrow
		{sub2, 40, 23, NoOverflow}, // borrow, 17
		{sub2, 23, 45, Hardest},    // negative
		{sub2, 7, 7, NoCarry},      // 0
		{Skill{Mul, 1}, 1, 1, Hardest},
	}
	for _, tc := range tests {
		p, err := NewProblem(tc.skill, []int{tc.a, tc.b}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := LevelOf(p); got != tc.want {
			t.Errorf("LevelOf(%s) = %d; want %d", p, got, tc.want)
		}
	}
}

func TestGenerateTrainAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []Skill{{Add, 2}, {Sub, 3}, {Add, 6}, {DigitSum, 4}} {
		for lvl := NoCarry; lvl <= Hardest; lvl++ {
			for range 200 {
				p := GenerateTrainAt(s, lvl, rng)
				levelled := s.Kind == Add || s.Kind == Sub
				if (levelled && LevelOf(p) > lvl) || HeldOut(p) || p.Skill != s {
					t.Fatalf("GenerateTrainAt(%s, %d) = %s at level %d (held out %v)", s, lvl, p, LevelOf(p), HeldOut(p))
				}
			}
		}
	}
}
