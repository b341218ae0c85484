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
		{add2, 45, 54, NoCarry},        // 99: every column exactly 9
		{add2, 15, 5, NoOverflow},      // units carry, 20 < 100
		{add2, 50, 50, Hardest},        // carry out of the tens: 100
		{add2, 99, 99, Hardest},        // carries everywhere
		{add3, 500, 499, NoCarry},      // 999
		{add3, 950, 50, Hardest},       // 1000
		{sub2, 45, 23, NoCarry},        // 22, no borrow
		{sub2, 40, 23, NoOverflow},     // borrow, 17
		{sub2, 23, 45, Hardest},        // negative
		{sub2, 7, 7, NoCarry},          // 0
		{Skill{Mul, 1}, 1, 1, Hardest}, // the facts: no ladder
		{Skill{Mul, 1}, 9, 9, Hardest},
		{Skill{Mul, 2}, 95, 4, NoCarry}, // one row, the single digit second
		{Skill{Mul, 2}, 99, 9, NoCarry},
		{Skill{Mul, 2}, 10, 0, NoCarry},
		{Skill{Mul, 2}, 4, 69, NoOverflow}, // the other form
		{Skill{Mul, 2}, 0, 99, NoOverflow},
		{Skill{Mul, 2}, 0, 0, NoOverflow}, // both single digits: a fact, not a row
		{Skill{Mul, 2}, 9, 9, NoOverflow},
		{Skill{Mul, 2}, 10, 10, Hardest}, // two rows, however small
		{Skill{Mul, 2}, 12, 34, Hardest},
		{Skill{Mul, 2}, 99, 99, Hardest},
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
	// The composite climbs by operator pair, single-digit values (first result and answer)
	// before the rest.
	for q, want := range map[string]Level{
		"(2+3)+4": 0, "(9-9)-0": 10, "(2*3)+1": 2, "(3*3)*1": 14, "(1*5)-5": 6, "(0-0)*7": 16,
		"(9+9)+9": 1, "(6+3)+1": 1, "(9*9)+9": 3, "(6+3)-1": 4, "(0*1)-9": 7,
		"(1-2)+5": 9, "(9+8)*2": 13, "(9*9)*9": 15, "(4-7)*0": 17, "(0-1)*1": 17,
	} {
		p, err := ParseQuestion(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := LevelOf(p); got != want {
			t.Errorf("LevelOf(%s) = %d; want %d", p, got, want)
		}
	}
	// Every pair has its rung, once; the top is past the last of them.
	seen := map[[2]Op]bool{}
	for _, r := range CompositeRungs {
		if seen[r] || !r[0].valid() || !r[1].valid() {
			t.Errorf("CompositeRungs: pair %c%c repeated or invalid", r[0], r[1])
		}
		seen[r] = true
	}
	if len(seen) != 9 || (Skill{Composite, 1}).Top() != 18 || (Skill{Add, 2}).Top() != Hardest {
		t.Errorf("%d composite pairs, comp1 top %d, add2 top %d; want 9, 18, %d", len(seen), (Skill{Composite, 1}).Top(), (Skill{Add, 2}).Top(), Hardest)
	}
}

func TestGenerateTrainAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range []Skill{{Add, 2}, {Sub, 3}, {Add, 6}, {DigitSum, 4}, {Composite, 1}, {Mul, 2}} {
		for lvl := NoCarry; lvl <= s.Top(); lvl++ {
			seen := make(map[Level]bool)
			for range 200 {
				p := GenerateTrainAt(s, lvl, rng)
				levelled := s.Kind != DigitSum // which has no ladder: every problem is Hardest
				if (levelled && LevelOf(p) > lvl) || HeldOut(p) || p.Skill != s {
					t.Fatalf("GenerateTrainAt(%s, %d) = %s at level %d (held out %v)", s, lvl, p, LevelOf(p), HeldOut(p))
				}
				seen[LevelOf(p)] = true
			}
			// Every level up to lvl is drawn, not only the easiest. The composite's top is no
			// pair's rung, so there its last pair stands for it.
			newest := lvl
			if s.Kind == Composite && lvl == s.Top() {
				newest--
			}
			if s.Kind != DigitSum && !seen[newest] {
				t.Errorf("GenerateTrainAt(%s, %d): no problem at level %d in 200", s, lvl, lvl)
			}
		}
	}
}

// A composite rung below the top draws its own pair half the time (all of the time on the first
// pair's) and each earlier pair evenly otherwise, so a new pair is learnt beside the old; the
// top draws every pair evenly. Single-digit rungs draw only such problems of their pair.
func TestGenerateTrainAtCompositeRungs(t *testing.T) {
	comp := Skill{Composite, 1}
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 18000
	for _, lvl := range []Level{0, 1, 2, 5, 8, 17, comp.Top()} {
		count := make([]int, len(CompositeRungs))
		small := 0
		for range n {
			p := GenerateTrainAt(comp, lvl, rng)
			if HeldOut(p) || p.Skill != comp || LevelOf(p) > lvl {
				t.Fatalf("GenerateTrainAt(comp1, %d) = %s at level %d (held out %v)", lvl, p, LevelOf(p), HeldOut(p))
			}
			count[LevelOf(p)/2]++
			if LevelOf(p) == lvl {
				small++
			}
		}
		k := int(lvl) / 2
		for pair, c := range count {
			want := 0.0
			switch {
			case lvl == comp.Top():
				want = 1.0 / 9
			case pair == k && k == 0:
				want = 1
			case pair == k:
				want = 0.5
			case pair < k:
				want = 0.5 / float64(k)
			}
			// 1.5 points is over 5 standard deviations of these counts
			if f := float64(c) / n; f < want-0.015 || f > want+0.015 {
				t.Errorf("GenerateTrainAt(comp1, %d): pair %c%c in %.1f%% of %d problems; want %.1f%%",
					lvl, CompositeRungs[pair][0], CompositeRungs[pair][1], 100*f, n, 100*want)
			}
		}
		// On a single-digit rung every problem of its pair is single-digit.
		if lvl%2 == 0 && lvl < comp.Top() && small != count[k] {
			t.Errorf("GenerateTrainAt(comp1, %d): %d of its pair's %d problems at single-digit values; want all", lvl, small, count[k])
		}
	}
}

// At NoCarry every answer digit is as likely as any other, in every column. Drawn uniformly from
// the carry-free problems, a difference's digit d would come up (10-d)/55 of the time (0 in 18%,
// 9 in 2%) and a sum's (d+1)/55, and a policy learning 5-digit subtraction from random weights
// settled on writing zeros.
func TestGenerateTrainAtNoCarryDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const n = 20000
	for _, s := range []Skill{{Add, 5}, {Sub, 5}, {Add, 2}, {Sub, 2}, {Composite, 1}} {
		var count [6][10]int
		for range n {
			p := GenerateTrainAt(s, NoCarry, rng)
			if LevelOf(p) != NoCarry || HeldOut(p) || p.Skill != s {
				t.Fatalf("GenerateTrainAt(%s, NoCarry) = %s at level %d (held out %v)", s, p, LevelOf(p), HeldOut(p))
			}
			for i, v := 0, p.Answer; i < s.Digits; i, v = i+1, v/10 {
				count[i][v%10]++
			}
		}
		for i := range s.Digits {
			for d, c := range count[i] {
				// 10% ± 1 point is over 6 standard deviations of a uniform draw's count
				if f := float64(c) / n; f < 0.09 || f > 0.11 {
					t.Errorf("GenerateTrainAt(%s, NoCarry): answer digit %d is %d in %.1f%% of %d problems; want 10%%", s, i, d, 100*f, n)
				}
			}
		}
	}
}

// HasLadder agrees with LevelOf: a skill without a ladder has every problem at Hardest, one
// with a ladder has problems below it.
func TestHasLadder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, s := range AllSkills() {
		below := false
		for range 2000 {
			below = below || LevelOf(GenerateTrain(s, rng)) < Hardest
		}
		if below != s.HasLadder() {
			t.Errorf("%v.HasLadder() = %v; problems below Hardest drawn: %v", s, s.HasLadder(), below)
		}
	}
}
