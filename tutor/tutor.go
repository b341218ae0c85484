// Package tutor decides what a policy practises next. A Tutor hands the trainer the lessons (a
// skill at a curriculum level) of each step's problems, hears back how every group went and what
// the periodic held-out measurements say, and keeps the record that makes its next choice.
//
// Two tutors ship: Adaptive, the default, which unlocks skills in prerequisite order, spends the
// batch where groups are informative and keeps reviewing what is mastered; and Uniform, which
// draws every skill equally often, the baseline to compare it with. Both run the ladder of each
// addition and subtraction skill (arith.NoCarry, then arith.NoOverflow, then every problem), of
// the composite (one pair of operators at a time, single-digit values first, arith.CompositeRungs,
// then every problem) and of the products
// wider than one digit (95*4, then 4*95 too, then every problem).
//
// A Tutor is deterministic given the random source it is handed, and its whole state round-trips
// through JSON, so a resumed run makes the same choices as an uninterrupted one.
package tutor

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"mathzero/env/arith"
)

// Lesson is what one problem practises: a skill, drawn at or below a curriculum level.
type Lesson struct {
	Skill arith.Skill
	Level arith.Level
}

// Outcome is one scored group of completions of a problem, as the tutor hears of it.
type Outcome struct {
	Lesson      Lesson
	Completions int  // G
	Correct     int  // completions exactly right
	Signal      bool // some advantage of the group can be non-zero
}

// A Tutor chooses the lessons of the next problems and learns from how they went. The trainer
// calls Next once a step (more with dynamic sampling), Observe with every step's groups as
// drawn, and Measured after every held-out evaluation. Its JSON form is all of its state.
type Tutor interface {
	// Next returns the lessons of the next n problems, drawing from rng only.
	Next(n int, rng *rand.Rand) []Lesson
	// Observe records one step's groups.
	Observe(outcomes []Outcome)
	// Measured records greedy held-out accuracies (in [0, 1]) of some or all skills.
	Measured(acc map[arith.Skill]float64)
	// Report is the tutor's view of every skill, in the order of Options.Skills.
	Report() []SkillReport
	json.Marshaler
	json.Unmarshaler
}

// Options configure both tutors.
type Options struct {
	// Skills are the skills to teach, easiest first: the order prerequisites are looked up in.
	Skills []arith.Skill
	// Curriculum is the sampled accuracy (mean of the last Window steps that practised a skill)
	// that moves that skill up its ladder (arith.LevelOf); 0 practises every problem from the start.
	Curriculum float64
	// Mastery is the held-out greedy accuracy at which a skill counts as mastered (Adaptive
	// unlocks the skills that need it, and moves it to review).
	Mastery float64
	// Review is the share of the batch Adaptive spends on mastered skills while others are
	// still being learned.
	Review float64
	// Frontier, when positive, is the most skills Adaptive unlocks into learning at once (a
	// Together group counting as one): it unlocks the next ones, in list order, only as
	// learning skills are mastered. A mastered skill that falls back to learning counts against
	// it, but is never held back, so the count can exceed it for a while. Unlocking every
	// successor of a skill at once can wreck it: measured, add2 fell from 91% to 18% held-out
	// within 100 steps of unlocking four skills beside it.
	Frontier int
	// Together lists groups of skills that Adaptive unlocks side by side and counts as one
	// against Frontier: once a member is learning, the others unlock as their prerequisites are
	// mastered, however full the frontier. Each member must be in Skills, in one group at most.
	// Skills learnt one after another can hold each other back for good: with a frontier of 1,
	// a skill that is never mastered (mul2 in two hours) keeps everything after it locked.
	Together [][]arith.Skill
	// Width, when positive, is the width every addition and subtraction of at most that many
	// digits is posed at (the trainer's Config.Width): they share one layout, so the narrower
	// ones build on the widest of their operation posed at it (see Prerequisites).
	Width int
}

// Window is the number of steps of sampled accuracy the ladder averages.
const Window = 10

// MinShare is the least share of a step's problems Adaptive gives any unlocked skill, so that no
// skill starves however uninformative its groups look.
const MinShare = 0.02

// demoteBelow is how far under Mastery a mastered skill's held-out accuracy must fall before
// Adaptive takes it back into learning: a margin, so a skill at the line does not flap.
const demoteBelow = 0.05

// emaRate is how fast the running pass rate and signal fraction follow each step's value.
const emaRate = 0.1

// Status is where a skill stands.
type Status int

const (
	Locked   Status = iota // a prerequisite is not mastered yet: not practised
	Learning               // practised by informativeness
	Mastered               // held-out accuracy at or above Mastery: reviewed
)

var statusNames = [...]string{"locked", "learning", "mastered"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("Status(%d)", int(s))
	}
	return statusNames[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(statusNames) {
		return nil, fmt.Errorf("tutor: invalid status %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if string(b) == n {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("tutor: unknown status %q (want %s)", b, strings.Join(statusNames[:], ", "))
}

// SkillReport is a tutor's record of one skill.
type SkillReport struct {
	Skill    arith.Skill `json:"-"`
	Name     string      `json:"skill"`
	Status   Status      `json:"status"`
	Level    arith.Level `json:"level"`     // ladder level practised now
	PassRate float64     `json:"pass_rate"` // running sampled exact accuracy
	Signal   float64     `json:"signal"`    // running fraction of its groups with signal
	HeldOut  float64     `json:"held_out"`  // last measured greedy accuracy; -1 before any
	Groups   int         `json:"groups"`    // groups practised so far
	Share    float64     `json:"share"`     // expected share of the next step's problems
}

// record is one skill's state; its JSON form is part of the tutor's.
type record struct {
	Skill    string      `json:"skill"`
	Status   Status      `json:"status"`
	Level    arith.Level `json:"level"`
	Window   []float64   `json:"window"` // sampled accuracies of the last steps at Level
	PassRate float64     `json:"pass_rate"`
	Signal   float64     `json:"signal"`
	HeldOut  float64     `json:"held_out"`
	Groups   int         `json:"groups"`
	skill    arith.Skill
}

// book is what both tutors keep: the options and a record per skill.
type book struct {
	opts  Options
	recs  []*record
	index map[arith.Skill]int
	group map[arith.Skill]int // the Together group of each skill in one
}

func newBook(o Options) (book, error) {
	if len(o.Skills) == 0 {
		return book{}, fmt.Errorf("tutor: no skills")
	}
	for _, k := range []struct {
		name string
		v    float64
	}{{"curriculum", o.Curriculum}, {"mastery", o.Mastery}, {"review", o.Review}} {
		if !(k.v >= 0 && k.v <= 1) {
			return book{}, fmt.Errorf("tutor: %s %v outside [0, 1]", k.name, k.v)
		}
	}
	b := book{opts: o, index: make(map[arith.Skill]int), group: make(map[arith.Skill]int)}
	for i, s := range o.Skills {
		if err := s.Validate(); err != nil {
			return book{}, fmt.Errorf("tutor: %w", err)
		}
		if _, dup := b.index[s]; dup {
			return book{}, fmt.Errorf("tutor: skill %v listed twice", s)
		}
		b.index[s] = i
		r := &record{Skill: s.String(), skill: s, Status: Learning, HeldOut: -1, Signal: 1, Window: []float64{}}
		if o.Curriculum <= 0 || !s.HasLadder() {
			r.Level = s.Top()
		}
		b.recs = append(b.recs, r)
	}
	if err := CheckTogether(o.Skills, o.Together); err != nil {
		return book{}, err
	}
	for g, members := range o.Together {
		for _, s := range members {
			b.group[s] = g
		}
	}
	return b, nil
}

// CheckTogether reports whether groups are valid Options.Together for skills: two or more
// skills a group, each among skills and in one group at most.
func CheckTogether(skills []arith.Skill, groups [][]arith.Skill) error {
	in := make(map[arith.Skill]bool, len(skills))
	for _, s := range skills {
		in[s] = true
	}
	seen := make(map[arith.Skill]bool)
	for g, members := range groups {
		if len(members) < 2 {
			return fmt.Errorf("tutor: together group %d has %d skills; a group needs two or more", g+1, len(members))
		}
		for _, s := range members {
			if !in[s] {
				return fmt.Errorf("tutor: together group %d names %v, which is not among the skills", g+1, s)
			}
			if seen[s] {
				return fmt.Errorf("tutor: together: %v is in two groups", s)
			}
			seen[s] = true
		}
	}
	return nil
}

// observe updates each practised skill's running rates and ladder from one step's groups.
func (b *book) observe(outcomes []Outcome) {
	type sum struct{ groups, signal, completions, correct int }
	sums := make([]sum, len(b.recs))
	for _, o := range outcomes {
		i, ok := b.index[o.Lesson.Skill]
		if !ok || o.Completions <= 0 {
			continue
		}
		s := &sums[i]
		s.groups++
		s.completions += o.Completions
		s.correct += min(max(o.Correct, 0), o.Completions)
		if o.Signal {
			s.signal++
		}
	}
	for i, s := range sums {
		if s.groups == 0 {
			continue
		}
		r := b.recs[i]
		acc := float64(s.correct) / float64(s.completions)
		sig := float64(s.signal) / float64(s.groups)
		if r.Groups > 0 {
			r.PassRate += emaRate * (acc - r.PassRate)
			r.Signal += emaRate * (sig - r.Signal)
		} else { // the first measurement replaces the priors
			r.PassRate, r.Signal = acc, sig
		}
		r.Groups += s.groups
		b.climb(r, acc)
	}
}

// climb moves r up its ladder once the mean sampled accuracy of its last Window steps at
// this level reaches Options.Curriculum.
func (b *book) climb(r *record, acc float64) {
	if b.opts.Curriculum <= 0 || r.Level >= r.skill.Top() {
		return
	}
	r.Window = append(r.Window, acc)
	if n := len(r.Window); n > Window {
		r.Window = append(r.Window[:0], r.Window[n-Window:]...)
	}
	if len(r.Window) < Window {
		return
	}
	mean := 0.0
	for _, a := range r.Window {
		mean += a
	}
	if mean/Window >= b.opts.Curriculum {
		r.Level++
		r.Window = r.Window[:0]
	}
}

// measured records held-out accuracies. A skill measured at Mastery or above is lifted to the top
// of its ladder: the held-out set covers every level, so it has learnt them all.
func (b *book) measured(acc map[arith.Skill]float64) {
	for s, a := range acc {
		if i, ok := b.index[s]; ok && a >= 0 && a <= 1 {
			r := b.recs[i]
			r.HeldOut = a
			if a >= b.opts.Mastery && r.Level < s.Top() {
				r.Level = s.Top()
				r.Window = r.Window[:0]
			}
		}
	}
}

func (b *book) lesson(i int) Lesson {
	return Lesson{Skill: b.recs[i].skill, Level: b.recs[i].Level}
}

func (b *book) report(shares []float64) []SkillReport {
	out := make([]SkillReport, len(b.recs))
	for i, r := range b.recs {
		out[i] = SkillReport{Skill: r.skill, Name: r.Skill, Status: r.Status, Level: r.Level, PassRate: r.PassRate,
			Signal: r.Signal, HeldOut: r.HeldOut, Groups: r.Groups, Share: shares[i]}
	}
	return out
}

// state is the JSON form of a tutor.
type state struct {
	Kind   string    `json:"kind"`
	Skills []*record `json:"skills"`
}

func (b *book) marshal(kind string) ([]byte, error) {
	return json.Marshal(state{Kind: kind, Skills: b.recs})
}

func (b *book) unmarshal(kind string, data []byte) error {
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("tutor: state: %w", err)
	}
	if st.Kind != kind {
		return fmt.Errorf("tutor: state is of a %q tutor, this one is %q", st.Kind, kind)
	}
	if len(st.Skills) != len(b.recs) {
		return fmt.Errorf("tutor: state has %d skills, the run has %d", len(st.Skills), len(b.recs))
	}
	recs := make([]*record, len(b.recs))
	unlocked := false
	for _, r := range st.Skills {
		unlocked = unlocked || (r != nil && r.Status != Locked)
		if r != nil && r.Status == Locked && kind == "uniform" {
			return fmt.Errorf("tutor: state of skill %s is locked; the uniform tutor locks nothing", r.Skill)
		}
	}
	if !unlocked {
		return fmt.Errorf("tutor: state has every skill locked")
	}
	for i, r := range st.Skills {
		want := b.recs[i].skill
		if r == nil || r.Skill != want.String() {
			return fmt.Errorf("tutor: state skill %d is %v, the run's is %v", i, r, want)
		}
		bad := r.Status < Locked || r.Status > Mastered || r.Level < arith.NoCarry || r.Level > want.Top() ||
			len(r.Window) > Window || !unit(r.PassRate) || !unit(r.Signal) || r.Groups < 0 ||
			!(r.HeldOut == -1 || unit(r.HeldOut))
		for _, a := range r.Window {
			bad = bad || !unit(a)
		}
		if bad {
			return fmt.Errorf("tutor: state of skill %s is invalid: %+v", r.Skill, *r)
		}
		if !want.HasLadder() && r.Level != want.Top() {
			return fmt.Errorf("tutor: state of skill %s has level %d; it has no ladder", r.Skill, r.Level)
		}
		c := *r
		c.skill = want
		c.Window = append([]float64{}, r.Window...)
		recs[i] = &c
	}
	b.recs = recs
	return nil
}

func unit(x float64) bool { return x >= 0 && x <= 1 }

// draw picks an index with probability proportional to w (non-negative, some positive). A single
// candidate takes no draw.
func draw(w []float64, rng *rand.Rand) int {
	total, last, n := 0.0, -1, 0
	for i, x := range w {
		if x > 0 {
			total += x
			last = i
			n++
		}
	}
	if n <= 1 {
		return max(last, 0)
	}
	u := rng.Float64() * total
	for i, x := range w {
		if x <= 0 {
			continue
		}
		if u < x {
			return i
		}
		u -= x
	}
	return last
}

// Uniform draws every skill equally often, from the first step to the last: the baseline.
type Uniform struct{ book }

// NewUniform returns the uniform tutor of the given skills.
func NewUniform(o Options) (*Uniform, error) {
	b, err := newBook(o)
	if err != nil {
		return nil, err
	}
	return &Uniform{b}, nil
}

// Next draws each skill with one rng.IntN call, as the trainer did before tutors existed.
func (u *Uniform) Next(n int, rng *rand.Rand) []Lesson {
	out := make([]Lesson, n)
	for i := range out {
		out[i] = u.lesson(rng.IntN(len(u.recs)))
	}
	return out
}

// Observe implements Tutor.
func (u *Uniform) Observe(outcomes []Outcome) { u.observe(outcomes) }

// Measured records the accuracies; Uniform only labels skills at Mastery as mastered.
func (u *Uniform) Measured(acc map[arith.Skill]float64) {
	u.measured(acc)
	for _, r := range u.recs {
		r.Status = Learning
		if r.HeldOut >= u.opts.Mastery {
			r.Status = Mastered
		}
	}
}

// Report implements Tutor.
func (u *Uniform) Report() []SkillReport {
	shares := make([]float64, len(u.recs))
	for i := range shares {
		shares[i] = 1 / float64(len(shares))
	}
	return u.report(shares)
}

// MarshalJSON implements json.Marshaler.
func (u *Uniform) MarshalJSON() ([]byte, error) { return u.marshal("uniform") }

// UnmarshalJSON implements json.Unmarshaler; the skills must be the tutor's own.
func (u *Uniform) UnmarshalJSON(data []byte) error { return u.unmarshal("uniform", data) }

// Adaptive is the tutor. A skill is locked until every prerequisite (Prerequisites) is
// mastered; an unlocked skill is learning until its held-out accuracy reaches Options.Mastery at
// the top of its ladder, then mastered, and back to learning if it falls more than 5
// points under. Each step it shares the problems out:
//
//   - learning skills share 1 - Options.Review of the batch in proportion to their signal, the
//     running fraction of their groups in which some advantage was non-zero, so no group goes
//     where the record says it would teach nothing;
//   - mastered skills share Options.Review (all of the batch once nothing is left to learn) in
//     proportion to signal·(1 - held-out accuracy + 0.05), the weakest first;
//   - no unlocked skill gets less than MinShare.
//
// A skill not yet practised counts as fully informative, so a newly unlocked skill is tried at
// once.
type Adaptive struct{ book }

// NewAdaptive returns the adaptive tutor of the given skills, with the first (the foundation, see
// Prerequisites) unlocked.
func NewAdaptive(o Options) (*Adaptive, error) {
	b, err := newBook(o)
	if err != nil {
		return nil, err
	}
	a := &Adaptive{b}
	for _, r := range a.recs {
		if len(Prerequisites(r.skill, o.Skills, o.Width)) > 0 {
			r.Status = Locked
		}
	}
	return a, nil
}

// Prerequisites returns the skills of list that s builds on, when additions and subtractions of
// at most width digits are posed at that width (0: each at its own): the same operation at the
// next narrower width present (add2 for add3, or add1 if there is no add2); for the composite
// (a op b) op c, the one-digit add, sub and mul present. A skill with none of those (a digit sum,
// the narrowest width of an operation) builds on the first skill of the list, the foundation,
// which alone has no prerequisite: a policy from random weights learns one skill at a time far
// faster than several at once (measured: add2 alone reaches 99% in 2,950 steps of 32 problems,
// while four skills from the start left add2 at 6% after 4,500).
//
// At a width the order turns round: an addition or subtraction posed at it builds on the widest
// of its operation posed there (add2 on add5 at width 5), which builds on what lies outside the
// width as above. A narrow problem is then a wide one with leading zeros: the wide skill
// teaches every column, while learnt from random weights the narrow skill's few digits drown
// among the padding zeros.
func Prerequisites(s arith.Skill, list []arith.Skill, width int) []arith.Skill {
	if len(list) == 0 || s == list[0] {
		return nil // the foundation, even when the rules above would give it one (add1 before add2)
	}
	out := prerequisites(s, list, width)
	if len(out) == 0 {
		out = append(out, list[0])
	}
	return out
}

func prerequisites(s arith.Skill, list []arith.Skill, width int) []arith.Skill {
	var out []arith.Skill
	switch s.Kind {
	case arith.Add, arith.Sub, arith.Mul:
		if posed := func(k arith.Skill) bool { return k.Kind != arith.Mul && k.Digits <= width }; posed(s) {
			// Everything narrower of its kind is posed too, and builds on the widest.
			widest := s
			for _, k := range list {
				if k.Kind == s.Kind && posed(k) && k.Digits > widest.Digits {
					widest = k
				}
			}
			if widest != s {
				out = append(out, widest)
			}
			return out
		}
		best := arith.Skill{}
		for _, k := range list {
			if k.Kind == s.Kind && k.Digits < s.Digits && k.Digits > best.Digits {
				best = k
			}
		}
		if best.Digits > 0 {
			out = append(out, best)
		}
	case arith.Composite:
		for _, k := range list {
			if k.Digits == 1 && (k.Kind == arith.Add || k.Kind == arith.Sub || k.Kind == arith.Mul) {
				out = append(out, k)
			}
		}
	}
	return out
}

// Next draws each problem's skill from the shares (see Adaptive).
func (a *Adaptive) Next(n int, rng *rand.Rand) []Lesson {
	shares := a.shares()
	out := make([]Lesson, n)
	for i := range out {
		out[i] = a.lesson(draw(shares, rng))
	}
	return out
}

// shares is the expected share of the next problems of each skill (zero for locked ones).
func (a *Adaptive) shares() []float64 {
	w := make([]float64, len(a.recs))
	var learning, review float64
	for i, r := range a.recs {
		sig := math.Max(r.Signal, MinShare)
		switch r.Status {
		case Learning:
			w[i] = sig
			learning += w[i]
		case Mastered:
			w[i] = sig * (1 - math.Max(r.HeldOut, 0) + 0.05)
			review += w[i]
		}
	}
	reviewShare := a.opts.Review
	switch {
	case learning == 0:
		reviewShare = 1
	case review == 0:
		reviewShare = 0
	}
	unlocked := 0
	for i, r := range a.recs {
		switch r.Status {
		case Learning:
			w[i] *= (1 - reviewShare) / learning
			unlocked++
		case Mastered:
			w[i] *= reviewShare / review
			unlocked++
		}
	}
	// Raise every unlocked skill to MinShare, taking it from the others in proportion.
	if floor := math.Min(MinShare, 1/float64(max(unlocked, 1))); unlocked > 0 {
		var short, rest float64
		for i, r := range a.recs {
			if r.Status == Locked {
				continue
			}
			if w[i] < floor {
				short += floor - w[i]
			} else {
				rest += w[i] - floor
			}
		}
		for i, r := range a.recs {
			switch {
			case r.Status == Locked:
			case w[i] < floor:
				w[i] = floor
			case rest > 0:
				w[i] -= short * (w[i] - floor) / rest
			}
		}
	}
	return w
}

// Observe implements Tutor.
func (a *Adaptive) Observe(outcomes []Outcome) { a.observe(outcomes) }

// Measured records the accuracies, then promotes, demotes and unlocks.
func (a *Adaptive) Measured(acc map[arith.Skill]float64) {
	a.measured(acc)
	mastery := a.opts.Mastery
	for _, r := range a.recs {
		if r.Status == Mastered && r.HeldOut < mastery-demoteBelow {
			r.Status = Learning
		}
	}
	// Promote and unlock until nothing changes: a skill unlocked already at mastery (learnt on
	// the way to its prerequisite) is mastered at once, and unlocks its own successors.
	for changed := true; changed; {
		changed = false
		for _, r := range a.recs {
			switch r.Status {
			case Learning:
				if r.Level == r.skill.Top() && r.HeldOut >= mastery {
					r.Status, changed = Mastered, true
				}
			case Locked:
				if f := a.opts.Frontier; f > 0 && a.learning() >= f && !a.groupLearning(r.skill) {
					continue
				}
				ready := true
				for _, p := range Prerequisites(r.skill, a.opts.Skills, a.opts.Width) {
					ready = ready && a.recs[a.index[p]].Status == Mastered
				}
				if ready {
					r.Status, changed = Learning, true
				}
			}
		}
	}
}

// learning is how much of the frontier is taken: the skills learning, a Together group of
// them counting once.
func (a *Adaptive) learning() int {
	n, seen := 0, make(map[int]bool)
	for _, r := range a.recs {
		if r.Status != Learning {
			continue
		}
		if g, ok := a.group[r.skill]; ok {
			if seen[g] {
				continue
			}
			seen[g] = true
		}
		n++
	}
	return n
}

// groupLearning reports whether another skill of s's Together group is learning.
func (a *Adaptive) groupLearning(s arith.Skill) bool {
	g, ok := a.group[s]
	if !ok {
		return false
	}
	for _, r := range a.recs {
		if r.skill != s && r.Status == Learning {
			if h, in := a.group[r.skill]; in && h == g {
				return true
			}
		}
	}
	return false
}

// Report implements Tutor.
func (a *Adaptive) Report() []SkillReport { return a.report(a.shares()) }

// MarshalJSON implements json.Marshaler.
func (a *Adaptive) MarshalJSON() ([]byte, error) { return a.marshal("adaptive") }

// UnmarshalJSON implements json.Unmarshaler; the skills must be the tutor's own.
func (a *Adaptive) UnmarshalJSON(data []byte) error { return a.unmarshal("adaptive", data) }

// Frontier returns the names of the skills being learned now, in order.
func Frontier(r []SkillReport) []string {
	var out []string
	for _, s := range r {
		if s.Status == Learning {
			out = append(out, s.Name)
		}
	}
	return out
}
