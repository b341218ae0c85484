package tutor

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"mathzero/env/arith"
)

func skills(t *testing.T, list string) []arith.Skill {
	t.Helper()
	s, err := arith.ParseSkills(list)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sk(t *testing.T, name string) arith.Skill {
	t.Helper()
	s, err := arith.ParseSkill(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// counts draws n lessons and counts them by skill name.
func counts(tu Tutor, n int, rng *rand.Rand) map[string]int {
	c := make(map[string]int)
	for _, l := range tu.Next(n, rng) {
		c[l.Skill.String()]++
	}
	return c
}

// step feeds the tutor one synthetic step: for each skill, groups of 8 with the given pass rate,
// informative or not.
func step(tu Tutor, passRate map[arith.Skill]float64, signal map[arith.Skill]bool, groups int) {
	var out []Outcome
	for s, p := range passRate {
		for range groups {
			out = append(out, Outcome{Lesson: Lesson{Skill: s}, Completions: 8, Correct: int(math.Round(8 * p)), Signal: signal[s]})
		}
	}
	tu.Observe(out)
}

func status(tu Tutor) map[string]Status {
	m := make(map[string]Status)
	for _, r := range tu.Report() {
		m[r.Name] = r.Status
	}
	return m
}

func TestPrerequisites(t *testing.T) {
	list := skills(t, "add1,sub1,mul1,add2,sub2,comp1,dsum4,add3,add5,mul2")
	for _, tc := range []struct {
		skill, want string
	}{
		{"add1", ""}, // the foundation
		{"add2", "add1"},
		{"add3", "add2"},
		{"add5", "add3"}, // the next narrower present, not add4
		{"sub1", "add1"}, // the narrowest of its operation: the foundation
		{"sub2", "sub1"},
		{"mul1", "add1"},
		{"mul2", "mul1"},
		{"comp1", "add1,sub1,mul1"},
		{"dsum4", "add1"},
		{"sub3", "sub2"}, // not in the list itself: still answers
	} {
		var got []string
		for _, p := range Prerequisites(sk(t, tc.skill), list, 0) {
			got = append(got, p.String())
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("Prerequisites(%s) = %v; want %q", tc.skill, got, tc.want)
		}
	}
	if got := Prerequisites(sk(t, "comp1"), skills(t, "add2,comp1"), 0); len(got) != 1 || got[0] != sk(t, "add2") {
		t.Errorf("comp1 with no one-digit skills listed: %v; want the foundation add2", got)
	}
}

// At a shared width the narrower additions and subtractions build on the widest posed at it.
func TestPrerequisitesAtWidth(t *testing.T) {
	list := skills(t, "add5,add2,add3,add4,sub5,sub2,mul1,comp1,dsum4,mul2,add6")
	for _, tc := range []struct {
		skill, want string
		width       int
	}{
		{"add5", "", 5}, // the foundation
		{"add2", "add5", 5},
		{"add3", "add5", 5}, // not add2: both are add5 with leading zeros
		{"add4", "add5", 5},
		{"sub5", "add5", 5}, // the widest subtraction: nothing narrower outside the width
		{"sub2", "sub5", 5},
		{"sub3", "sub5", 5}, // not in the list itself: still answers
		{"add6", "add5", 5}, // wider than the width: the next narrower, as without one
		{"mul2", "mul1", 5}, // products are never padded
		{"comp1", "mul1", 5},
		{"add3", "add5", 3}, // the widest at width 3, with nothing narrower outside it: the foundation
		{"add2", "add3", 3},
		{"add4", "add3", 3},
		{"add2", "add5", 0}, // no width: the narrowest builds on the foundation
		{"add3", "add2", 0},
	} {
		var got []string
		for _, p := range Prerequisites(sk(t, tc.skill), list, tc.width) {
			got = append(got, p.String())
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("width %d: Prerequisites(%s) = %v; want %q", tc.width, tc.skill, got, tc.want)
		}
	}
	// The foundation has none even where the rules would give it one, so nothing waits on itself:
	// at width 2, add1 (first in the list) would build on add2, the widest addition posed there,
	// which builds on the foundation.
	narrowFirst := skills(t, "add1,sub1,add2,comp1")
	for _, tc := range []struct {
		skill, want string
		width       int
	}{
		{"add1", "", 2},
		{"add2", "add1", 2},
		{"sub1", "add1", 2},
		{"comp1", "add1,sub1", 2},
		{"add2", "", 0}, // a list written widest first, without a width
	} {
		list := narrowFirst
		if tc.width == 0 {
			list = skills(t, "add2,add1")
		}
		var got []string
		for _, p := range Prerequisites(sk(t, tc.skill), list, tc.width) {
			got = append(got, p.String())
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("width %d: Prerequisites(%s) = %v; want %q", tc.width, tc.skill, got, tc.want)
		}
	}
	// The adaptive tutor follows it: add5 alone first, then the rest of the width in list order.
	tu := mustAdaptive(t, Options{Skills: skills(t, "add5,add2,add3,sub5"), Mastery: 0.9, Frontier: 1, Width: 5})
	want := map[string]Status{"add5": Learning, "add2": Locked, "add3": Locked, "sub5": Locked}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("width 5, at the start: %v; want %v", got, want)
	}
	tu.Measured(map[arith.Skill]float64{sk(t, "add5"): 0.92})
	want = map[string]Status{"add5": Mastered, "add2": Learning, "add3": Locked, "sub5": Locked}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("width 5, add5 at 92%%: %v; want %v", got, want)
	}
	tu.Measured(map[arith.Skill]float64{sk(t, "add2"): 0.95})
	if got := status(tu); got["add3"] != Learning || got["sub5"] != Locked {
		t.Errorf("width 5, add2 at 95%%: %v; want add3 learning, sub5 locked (frontier 1)", got)
	}
}

func TestAdaptiveUnlocksInOrder(t *testing.T) {
	list := skills(t, "add1,sub1,add2,add3,comp1")
	tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.95, Review: 0.2})
	want := map[string]Status{"add1": Learning, "sub1": Locked, "add2": Locked, "add3": Locked, "comp1": Locked}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("at the start: %v; want %v", got, want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	if c := counts(tu, 1000, rng); c["add1"] != 1000 {
		t.Fatalf("drew locked skills: %v", c)
	}

	tu.Measured(map[arith.Skill]float64{list[0]: 0.96, list[1]: 0.5, list[2]: 0.6})
	want = map[string]Status{"add1": Mastered, "sub1": Learning, "add2": Learning, "add3": Locked, "comp1": Locked}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("after add1 at 96%%: %v; want %v", got, want)
	}
	if got := Frontier(tu.Report()); strings.Join(got, ",") != "sub1,add2" {
		t.Errorf("Frontier = %v; want [sub1 add2]", got)
	}
	// comp1 needs both one-digit skills; add3 needs add2.
	tu.Measured(map[arith.Skill]float64{list[1]: 0.95})
	want = map[string]Status{"add1": Mastered, "sub1": Mastered, "add2": Learning, "add3": Locked, "comp1": Learning}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("after sub1 at 95%%: %v; want %v", got, want)
	}
	// A skill unlocked already at mastery (learnt on the way) is mastered at once, and unlocks
	// its successors in the same call.
	tu.Measured(map[arith.Skill]float64{list[2]: 0.97, list[3]: 0.2})
	if got := status(tu); got["add2"] != Mastered || got["add3"] != Learning {
		t.Fatalf("after add2 at 97%%: %v; want add2 mastered, add3 learning", got)
	}
	tu.Measured(map[arith.Skill]float64{list[3]: 0.99})
	if got := status(tu); got["add3"] != Mastered {
		t.Fatalf("after add3 at 99%%: %v", got)
	}
	cascade := mustAdaptive(t, Options{Skills: list, Mastery: 0.95})
	cascade.Measured(map[arith.Skill]float64{list[0]: 1, list[2]: 1, list[3]: 0.5})
	if got := status(cascade); got["add2"] != Mastered || got["add3"] != Learning {
		t.Errorf("one measurement of add1 and add2 at 100%%: %v; want add2 mastered and add3 unlocked", got)
	}
	// Forgetting: more than 5 points under mastery goes back to learning; 4 points does not.
	tu.Measured(map[arith.Skill]float64{list[0]: 0.91, list[1]: 0.89})
	if got := status(tu); got["add1"] != Mastered || got["sub1"] != Learning || got["comp1"] != Learning {
		t.Errorf("after add1 91%%, sub1 89%%: %v; want add1 mastered, sub1 learning, comp1 still unlocked", got)
	}
}

// A skill on its carry ladder is mastered by climbing it and then measuring at mastery.
func TestMasteryAfterTheLadder(t *testing.T) {
	list := skills(t, "add1,add2")
	tu := mustAdaptive(t, Options{Skills: list, Curriculum: 0.6, Mastery: 0.9})
	tu.Measured(map[arith.Skill]float64{list[0]: 0.5})
	if got := status(tu)["add1"]; got != Learning || tu.Report()[0].Level != arith.NoCarry {
		t.Fatalf("add1 at level 0 with 50%%: %v at level %d; want learning at 0", got, tu.Report()[0].Level)
	}
	for range 2 * Window {
		step(tu, map[arith.Skill]float64{list[0]: 1}, nil, 4)
	}
	if l := tu.Report()[0].Level; l != arith.Hardest {
		t.Fatalf("after %d perfect steps add1 is at level %d; want %d", 2*Window, l, arith.Hardest)
	}
	tu.Measured(map[arith.Skill]float64{list[0]: 0.89})
	if got := status(tu); got["add1"] != Learning || got["add2"] != Locked {
		t.Fatalf("at the top level with 89%%: %v; want add1 learning, add2 locked", got)
	}
	tu.Measured(map[arith.Skill]float64{list[0]: 0.9})
	if got := status(tu); got["add1"] != Mastered || got["add2"] != Learning {
		t.Errorf("at the top level with 90%%: %v; want add1 mastered, add2 learning", got)
	}
}

// With a frontier of 1, mastering the foundation unlocks its successors one at a time, in order.
func TestFrontier(t *testing.T) {
	list := skills(t, "add2,sub2,mul1,add3")
	tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.9, Frontier: 1})
	tu.Measured(map[arith.Skill]float64{list[0]: 0.95})
	want := map[string]Status{"add2": Mastered, "sub2": Learning, "mul1": Locked, "add3": Locked}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("after add2 mastered: %v; want %v", got, want)
	}
	tu.Measured(map[arith.Skill]float64{list[1]: 0.95})
	want = map[string]Status{"add2": Mastered, "sub2": Mastered, "mul1": Learning, "add3": Locked}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("after sub2 mastered: %v; want %v", got, want)
	}
	// A skill demoted to learning counts against the frontier: add3's prerequisite add2 stays
	// mastered, so only the frontier, full with sub2, keeps add3 locked.
	tu.Measured(map[arith.Skill]float64{list[1]: 0.5, list[2]: 0.95})
	want = map[string]Status{"add2": Mastered, "sub2": Learning, "mul1": Mastered, "add3": Locked}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("after sub2 forgotten: %v; want %v", got, want)
	}
	tu.Measured(map[arith.Skill]float64{list[1]: 0.95})
	want = map[string]Status{"add2": Mastered, "sub2": Mastered, "mul1": Mastered, "add3": Learning}
	if got := status(tu); !reflect.DeepEqual(got, want) {
		t.Fatalf("after sub2 relearnt: %v; want %v", got, want)
	}
}

// A Together group unlocks side by side and takes one place on the frontier: with a frontier of
// 1, comp1 learns beside mul2 instead of waiting for it, while dsum4 still waits for both.
func TestTogether(t *testing.T) {
	list := skills(t, "add2,mul1,mul2,comp1,dsum4")
	for _, tc := range []struct {
		name     string
		together [][]arith.Skill
		want     map[string]Status // after mul1 is mastered
	}{
		{"alone", nil, map[string]Status{"add2": Mastered, "mul1": Mastered, "mul2": Learning, "comp1": Locked, "dsum4": Locked}},
		{"together", [][]arith.Skill{{list[2], list[3]}}, map[string]Status{"add2": Mastered, "mul1": Mastered, "mul2": Learning, "comp1": Learning, "dsum4": Locked}},
	} {
		tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.9, Frontier: 1, Together: tc.together})
		tu.Measured(map[arith.Skill]float64{list[0]: 0.95})
		if got := status(tu); got["mul1"] != Learning || got["mul2"] != Locked || got["comp1"] != Locked || got["dsum4"] != Locked {
			t.Fatalf("%s: after add2 mastered: %v; want mul1 alone learning", tc.name, got)
		}
		tu.Measured(map[arith.Skill]float64{list[1]: 0.95})
		if got := status(tu); !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%s: after mul1 mastered: %v; want %v", tc.name, got, tc.want)
		}
	}
	// The group keeps its one place while any member learns: mul2 mastered leaves comp1
	// learning, and dsum4 waits for it too.
	tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.9, Frontier: 1, Together: [][]arith.Skill{{list[2], list[3]}}})
	tu.Measured(map[arith.Skill]float64{list[0]: 0.95, list[1]: 0.95})
	tu.Measured(map[arith.Skill]float64{list[2]: 0.95})
	if got := status(tu); got["comp1"] != Learning || got["dsum4"] != Locked {
		t.Fatalf("after mul2 mastered: %v; want comp1 learning, dsum4 locked", got)
	}
	tu.Measured(map[arith.Skill]float64{list[3]: 0.95})
	if got := status(tu)["dsum4"]; got != Learning {
		t.Errorf("after comp1 mastered: dsum4 %v; want learning", got)
	}
}

func TestLadder(t *testing.T) {
	list := skills(t, "add2")
	s := list[0]
	tu, err := NewUniform(Options{Skills: list, Curriculum: 0.6, Mastery: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	level := func() arith.Level { return tu.Report()[0].Level }
	for range Window - 1 {
		step(tu, map[arith.Skill]float64{s: 1}, nil, 1)
	}
	if level() != arith.NoCarry {
		t.Fatalf("moved up after %d steps (level %d); the window is %d", Window-1, level(), Window)
	}
	step(tu, map[arith.Skill]float64{s: 1}, nil, 1)
	if level() != arith.NoOverflow {
		t.Fatalf("after %d steps at 100%%: level %d; want %d", Window, level(), arith.NoOverflow)
	}
	for range 50 {
		step(tu, map[arith.Skill]float64{s: 0.5}, nil, 1) // mean 0.5 < 0.6: stays
	}
	if level() != arith.NoOverflow {
		t.Fatalf("50 steps at 50%%: level %d; want %d", level(), arith.NoOverflow)
	}
	for range Window {
		step(tu, map[arith.Skill]float64{s: 0.75}, nil, 1)
	}
	if level() != arith.Hardest {
		t.Fatalf("level %d; want the last level", level())
	}
	// A step that did not practise the skill does not count.
	tu2, _ := NewUniform(Options{Skills: skills(t, "add1,add2"), Curriculum: 0.6, Mastery: 0.9})
	for range 3 * Window {
		step(tu2, map[arith.Skill]float64{sk(t, "add1"): 1}, nil, 1)
	}
	if r := tu2.Report(); r[0].Level != arith.Hardest || r[1].Level != arith.NoCarry {
		t.Errorf("levels %d, %d; want add1 at the top and add2 untouched", r[0].Level, r[1].Level)
	}
	off, _ := NewUniform(Options{Skills: list, Mastery: 0.9})
	if off.Report()[0].Level != arith.Hardest {
		t.Errorf("curriculum off: level %d; want every problem", off.Report()[0].Level)
	}
}

// The composite climbs one operator pair a rung, past Hardest to its own top, and its state
// there round-trips while a level past it is refused.
func TestCompositeLadder(t *testing.T) {
	list := skills(t, "comp1")
	comp := list[0]
	tu := mustAdaptive(t, Options{Skills: list, Curriculum: 0.6, Mastery: 0.9})
	for rung := arith.Level(0); rung < comp.Top(); rung++ {
		if l := tu.Report()[0].Level; l != rung {
			t.Fatalf("after %d windows of perfect steps: level %d; want %d", rung, l, rung)
		}
		for range Window {
			step(tu, map[arith.Skill]float64{comp: 1}, nil, 1)
		}
	}
	for range 3 * Window {
		step(tu, map[arith.Skill]float64{comp: 1}, nil, 1)
	}
	if l := tu.Report()[0].Level; l != comp.Top() {
		t.Fatalf("level %d; want the top, %d", l, comp.Top())
	}
	data, err := json.Marshal(tu)
	if err != nil {
		t.Fatal(err)
	}
	again := mustAdaptive(t, Options{Skills: list, Curriculum: 0.6, Mastery: 0.9})
	if err := json.Unmarshal(data, again); err != nil || again.Report()[0].Level != comp.Top() {
		t.Fatalf("state at the top: Unmarshal = %v, level %d; want level %d", err, again.Report()[0].Level, comp.Top())
	}
	past := strings.Replace(string(data), fmt.Sprintf(`"level":%d`, comp.Top()), fmt.Sprintf(`"level":%d`, comp.Top()+1), 1)
	if err := json.Unmarshal([]byte(past), again); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("state past the top (%s): Unmarshal = %v; want invalid", past, err)
	}
}

// The batch goes where groups carry signal; a skill whose groups carry none still gets MinShare.
func TestAdaptiveFollowsSignalAndNeverStarves(t *testing.T) {
	list := skills(t, "add1,sub1,mul1,dsum4")
	tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.95, Review: 0.2})
	tu.Measured(map[arith.Skill]float64{list[0]: 1}) // the foundation mastered: the rest unlock
	rng := rand.New(rand.NewPCG(7, 7))
	seen := make(map[string]int)
	for i := range 300 {
		lessons := tu.Next(64, rng)
		var out []Outcome
		for _, l := range lessons {
			seen[l.Skill.String()]++
			// sub1 is always informative, mul1 half the time, dsum4 never.
			sig := l.Skill == list[1] || (l.Skill == list[2] && i%2 == 0)
			out = append(out, Outcome{Lesson: l, Completions: 8, Correct: 4, Signal: sig})
		}
		tu.Observe(out)
		if i%50 == 49 {
			for _, s := range list {
				if seen[s.String()] == 0 {
					t.Fatalf("steps %d-%d: %v never drawn (%v)", i-49, i, s, seen)
				}
			}
			seen = make(map[string]int)
		}
	}
	r := tu.Report()
	if !(r[1].Share > r[2].Share && r[2].Share > r[3].Share) {
		t.Errorf("shares %v, %v, %v; want sub1 > mul1 > dsum4", r[1].Share, r[2].Share, r[3].Share)
	}
	if math.Abs(r[3].Share-MinShare) > 1e-9 {
		t.Errorf("dsum4 (never informative) share %v; want the floor %v", r[3].Share, MinShare)
	}
	sum := 0.0
	for _, x := range r {
		sum += x.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares sum to %v", sum)
	}
	c := counts(tu, 100000, rng)
	for i, s := range list {
		if got := float64(c[s.String()]) / 100000; math.Abs(got-r[i].Share) > 0.01 {
			t.Errorf("%v drawn %.3f of the time; its share is %.3f", s, got, r[i].Share)
		}
	}
}

// Mastered skills keep Review of the batch while others are learned, the weakest most, and all of
// it once everything is mastered.
func TestAdaptiveReviews(t *testing.T) {
	list := skills(t, "add1,sub1,add2")
	tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.9, Review: 0.2})
	tu.Measured(map[arith.Skill]float64{list[0]: 0.99, list[1]: 0.91})
	r := tu.Report()
	if r[0].Status != Mastered || r[1].Status != Mastered || r[2].Status != Learning {
		t.Fatalf("statuses %v %v %v", r[0].Status, r[1].Status, r[2].Status)
	}
	if got := r[0].Share + r[1].Share; math.Abs(got-0.2) > 1e-9 {
		t.Errorf("review share %v; want 0.2", got)
	}
	if !(r[1].Share > r[0].Share) {
		t.Errorf("sub1 (91%%) share %v <= add1 (99%%) share %v; the weaker should be reviewed more", r[1].Share, r[0].Share)
	}
	tu.Measured(map[arith.Skill]float64{list[2]: 0.95})
	r = tu.Report()
	if got := r[0].Share + r[1].Share + r[2].Share; math.Abs(got-1) > 1e-9 || r[2].Status != Mastered {
		t.Errorf("everything mastered: shares sum to %v, add2 %v", got, r[2].Status)
	}
}

func TestUniformDrawsEverySkillEqually(t *testing.T) {
	list := skills(t, "add1,sub1,add2,comp1")
	tu, err := NewUniform(Options{Skills: list, Mastery: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	// Exactly the old trainer's draw: one IntN per problem.
	a, b := rand.New(rand.NewPCG(3, 3)), rand.New(rand.NewPCG(3, 3))
	for _, l := range tu.Next(200, a) {
		if want := list[b.IntN(len(list))]; l.Skill != want {
			t.Fatalf("drew %v; want %v", l.Skill, want)
		}
	}
	c := counts(tu, 40000, a)
	for _, s := range list {
		if got := float64(c[s.String()]) / 40000; math.Abs(got-0.25) > 0.01 {
			t.Errorf("%v drawn %.3f of the time; want 0.25", s, got)
		}
	}
}

// Same seed, same lessons; and a tutor restored from JSON continues exactly as the original.
func TestDeterministicAndRoundTrip(t *testing.T) {
	list := skills(t, "add1,sub1,add2,sub2,comp1")
	for _, kind := range []string{"adaptive", "uniform"} {
		t.Run(kind, func(t *testing.T) {
			mk := func() Tutor {
				o := Options{Skills: list, Curriculum: 0.6, Mastery: 0.9, Review: 0.2}
				if kind == "uniform" {
					u, _ := NewUniform(o)
					return u
				}
				a := mustAdaptive(t, o)
				return a
			}
			run := func(tu Tutor, rng *rand.Rand, steps int) []Lesson {
				var all []Lesson
				for i := range steps {
					ls := tu.Next(32, rng)
					all = append(all, ls...)
					var out []Outcome
					for j, l := range ls {
						out = append(out, Outcome{Lesson: l, Completions: 8, Correct: (i + j) % 9, Signal: j%3 != 0})
					}
					tu.Observe(out)
					if i%5 == 4 {
						tu.Measured(map[arith.Skill]float64{list[0]: 0.95, list[1]: float64(i%10) / 10})
					}
				}
				return all
			}
			x, y := mk(), mk()
			px := rand.NewPCG(5, 6)
			rx, ry := rand.New(px), rand.New(rand.NewPCG(5, 6))
			if !reflect.DeepEqual(run(x, rx, 40), run(y, ry, 40)) {
				t.Fatal("same seed, different lessons")
			}
			data, err := json.Marshal(x)
			if err != nil {
				t.Fatal(err)
			}
			z := mk()
			if err := json.Unmarshal(data, z); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(x.Report(), z.Report()) {
				t.Fatalf("report after round trip:\n%+v\nwant\n%+v", z.Report(), x.Report())
			}
			pz := *px
			rz := rand.New(&pz)
			if !reflect.DeepEqual(run(x, rx, 20), run(z, rz, 20)) {
				t.Error("restored tutor continues differently")
			}
		})
	}
}

// nullSecond returns the tutor state with its second skill's record replaced by null, behind an
// unlocked first one.
func nullSecond(t *testing.T, state string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(state), &m); err != nil {
		t.Fatal(err)
	}
	m["skills"].([]any)[1] = nil
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestUnmarshalRejects(t *testing.T) {
	list := skills(t, "add1,add2")
	good := mustAdaptive(t, Options{Skills: list, Mastery: 0.9})
	data, _ := json.Marshal(good)
	valid := string(data)
	for _, tc := range []struct{ name, in, want string }{
		{"not json", "{", "JSON"},
		{"other kind", strings.Replace(valid, `"adaptive"`, `"uniform"`, 1), "uniform"},
		{"fewer skills", `{"kind":"adaptive","skills":[]}`, "0 skills"},
		{"other skill", strings.Replace(valid, `"add2"`, `"sub2"`, 1), "sub2"},
		{"null skills", `{"kind":"adaptive","skills":[null,null]}`, "locked"},
		{"null skill", nullSecond(t, valid), "skill 1 is <nil>"},
		{"all locked", strings.Replace(valid, `"learning"`, `"locked"`, 1), "every skill locked"},
		{"bad status", strings.Replace(valid, `"locked"`, `"asleep"`, 1), "asleep"},
		{"bad level", strings.Replace(valid, `"level":2`, `"level":7`, 1), "invalid"},
		{"bad rate", strings.Replace(valid, `"pass_rate":0`, `"pass_rate":1.5`, 1), "invalid"},
		{"negative groups", strings.Replace(valid, `"groups":0`, `"groups":-1`, 1), "invalid"},
		{"bad held-out", strings.Replace(valid, `"held_out":-1`, `"held_out":-0.5`, 1), "invalid"},
		{"long window", strings.Replace(valid, `"window":[]`, `"window":[0,0,0,0,0,0,0,0,0,0,0]`, 1), "invalid"},
		{"window out of range", strings.Replace(valid, `"window":[]`, `"window":[2]`, 1), "invalid"},
	} {
		tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.9})
		before, _ := json.Marshal(tu)
		err := json.Unmarshal([]byte(tc.in), tu)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Unmarshal = %v; want an error mentioning %q", tc.name, err, tc.want)
		}
		if after, _ := json.Marshal(tu); string(after) != string(before) {
			t.Errorf("%s: a rejected state changed the tutor", tc.name)
		}
	}
}

func TestOptionsRejected(t *testing.T) {
	list := skills(t, "add1")
	for _, o := range []Options{
		{},
		{Skills: []arith.Skill{{}}, Mastery: 0.9},
		{Skills: append(list, list[0]), Mastery: 0.9},
		{Skills: list, Mastery: math.NaN()},
		{Skills: list, Mastery: 0.9, Review: 1.5},
		{Skills: list, Mastery: 0.9, Curriculum: -1},
		{Skills: list, Mastery: 0.9, Together: [][]arith.Skill{{list[0]}}},                               // a group of one
		{Skills: list, Mastery: 0.9, Together: [][]arith.Skill{{list[0], {Kind: arith.Add, Digits: 2}}}}, // not a skill of the run
		{Skills: skills(t, "add1,add2,add3"), Mastery: 0.9, Together: [][]arith.Skill{
			{{Kind: arith.Add, Digits: 1}, {Kind: arith.Add, Digits: 2}}, {{Kind: arith.Add, Digits: 2}, {Kind: arith.Add, Digits: 3}}}}, // add2 twice
	} {
		if _, err := NewAdaptive(o); err == nil {
			t.Errorf("NewAdaptive(%+v) succeeded", o)
		}
		if _, err := NewUniform(o); err == nil {
			t.Errorf("NewUniform(%+v) succeeded", o)
		}
	}
}

// Outcomes of skills the tutor does not teach, or with no completions, are ignored.
func TestObserveIgnoresStrangers(t *testing.T) {
	tu := mustAdaptive(t, Options{Skills: skills(t, "add1"), Mastery: 0.9})
	before := tu.Report()
	tu.Observe([]Outcome{{Lesson: Lesson{Skill: arith.Skill{Kind: arith.Mul, Digits: 2}}, Completions: 8, Correct: 8},
		{Lesson: Lesson{Skill: arith.Skill{Kind: arith.Add, Digits: 1}}, Completions: 0, Correct: 3}})
	if !reflect.DeepEqual(before, tu.Report()) {
		t.Errorf("report changed: %+v -> %+v", before, tu.Report())
	}
}

func FuzzUnmarshal(f *testing.F) {
	list := []arith.Skill{{Kind: arith.Add, Digits: 1}, {Kind: arith.Add, Digits: 2}}
	good := mustAdaptive(f, Options{Skills: list, Mastery: 0.9})
	data, _ := json.Marshal(good)
	f.Add(data)
	f.Add([]byte(`{"kind":"adaptive","skills":[null]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		tu := mustAdaptive(t, Options{Skills: list, Mastery: 0.9})
		if err := json.Unmarshal(in, tu); err != nil {
			return
		}
		// An accepted state is usable and round-trips.
		tu.Next(16, rand.New(rand.NewPCG(1, 1)))
		out, err := json.Marshal(tu)
		if err != nil {
			t.Fatal(err)
		}
		again := mustAdaptive(t, Options{Skills: list, Mastery: 0.9})
		if err := json.Unmarshal(out, again); err != nil {
			t.Fatalf("re-reading %s: %v", out, err)
		}
	})
}

// Skills without a ladder (mul1's facts, dsum) start at the top level, those with one (add and
// sub by carries, comp by operator pair, mul2 by form) at the bottom; a held-out
// measurement at mastery lifts a skill off its ladder, so a skill unlocked already at mastery is
// mastered at once with the curriculum on, too.
func TestLadders(t *testing.T) {
	list := skills(t, "add1,sub1,mul1,comp1,dsum4,add2,mul2")
	tu := mustAdaptive(t, Options{Skills: list, Curriculum: 0.6, Mastery: 0.9})
	for _, r := range tu.Report() {
		want := arith.NoCarry
		if r.Name == "mul1" || r.Skill.Kind == arith.DigitSum {
			want = r.Skill.Top()
		}
		if r.Level != want {
			t.Errorf("%s starts at level %d; want %d", r.Name, r.Level, want)
		}
	}
	tu.Measured(map[arith.Skill]float64{list[0]: 1, list[1]: 0.95, list[2]: 0.92, list[5]: 0.97})
	got := status(tu)
	want := map[string]Status{"add1": Mastered, "sub1": Mastered, "mul1": Mastered, "comp1": Learning, "dsum4": Learning, "add2": Mastered, "mul2": Learning}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after one measurement with the curriculum on: %v; want %v", got, want)
	}
	tu.Measured(map[arith.Skill]float64{list[3]: 0.91})
	if r := tu.Report()[3]; r.Status != Mastered || r.Level != r.Skill.Top() {
		t.Errorf("comp1 measured at mastery: %s at level %d; want mastered at %d", r.Status, r.Level, r.Skill.Top())
	}
}

// mustAdaptive is NewAdaptive for options a test knows to be valid.
func mustAdaptive(t testing.TB, o Options) *Adaptive {
	t.Helper()
	a, err := NewAdaptive(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
