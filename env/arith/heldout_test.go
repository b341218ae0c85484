package arith

import (
	"math/rand/v2"
	"testing"
)

func TestHeldOutFraction(t *testing.T) {
	for _, s := range AllSkills() {
		var held, total int
		if s.space() <= enumerateLimit {
			for _, p := range enumerate(s) {
				total++
				if HeldOut(p) {
					held++
				}
			}
		} else {
			rng := rand.New(rand.NewPCG(11, 12))
			for range 20000 {
				total++
				if HeldOut(Generate(s, rng)) {
					held++
				}
			}
		}
		frac := float64(held) / float64(total)
		if facts := s.Facts(); facts != (held == 0) {
			t.Errorf("%v: %d held-out problems of %d; a table of facts holds none, any other skill some", s, held, total)
		}
		if total >= 9000 && (frac < 0.04 || frac > 0.06) {
			t.Errorf("%v: held-out fraction %.4f (%d/%d); want about %v%%", s, frac, held, total, HeldOutPercent)
		}
	}
}

func TestGenerateTrainAvoidsHeldOut(t *testing.T) {
	for _, s := range AllSkills() {
		rng := rand.New(rand.NewPCG(1, 2))
		for range 500 {
			if p := GenerateTrain(s, rng); HeldOut(p) || p.Skill != s {
				t.Fatalf("GenerateTrain(%v) = %v, held out", s, p)
			}
		}
	}
}

func TestHeldOutSet(t *testing.T) {
	for _, s := range AllSkills() {
		n := 300
		a := HeldOutSet(s, n, 9)
		b := HeldOutSet(s, n, 9)
		c := HeldOutSet(s, n, 10)
		if len(a) != n || len(b) != n || len(c) != n {
			t.Fatalf("%v: HeldOutSet lengths %d, %d, %d; want %d", s, len(a), len(b), len(c), n)
		}
		distinct := map[string]int{}
		same := true
		for i := range a {
			if !equalProblems(a[i], b[i]) {
				t.Fatalf("%v: HeldOutSet not deterministic at %d: %v != %v", s, i, a[i], b[i])
			}
			if !equalProblems(a[i], c[i]) {
				same = false
			}
			if HeldOut(a[i]) == (s.Facts()) || a[i].Skill != s || a[i].Answer != reference(a[i]) {
				t.Fatalf("%v: HeldOutSet gave %v (held out %v)", s, a[i], HeldOut(a[i]))
			}
			distinct[a[i].String()]++
		}
		if same {
			t.Errorf("%v: HeldOutSet ignores the seed", s)
		}
		if s.space() <= enumerateLimit {
			k := len(heldOutAll(s))
			if want := min(k, n); len(distinct) != want {
				t.Errorf("%v: %d distinct held-out problems in %d; want %d", s, len(distinct), n, want)
			}
			for p, c := range distinct {
				if c < n/k || c > (n+k-1)/k {
					t.Errorf("%v: %s appears %d times in %d; want %d or %d", s, p, c, n, n/k, (n+k-1)/k)
				}
			}
		} else if len(distinct) != n {
			t.Errorf("%v: %d distinct problems in %d", s, len(distinct), n)
		}
	}
	if got := HeldOutSet(Skill{Add, 1}, 0, 1); got != nil {
		t.Errorf("HeldOutSet(n=0) = %v; want nil", got)
	}
	if got := HeldOutSet(Skill{Add, 1}, -3, 1); got != nil {
		t.Errorf("HeldOutSet(n=-3) = %v; want nil", got)
	}
}
