package arith

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// HeldOutPercent is the percentage of each skill's problems kept for evaluation. A problem is held
// out iff FNV-1a-64(skill name, ":", p.String()) mod 100 < HeldOutPercent, so the split is fixed
// forever, needs no stored list, and is the same for every seed and every process.
const HeldOutPercent = 5

// FactsLimit is the most problems a skill may have to count as a table of facts (add1, sub1,
// mul1), which holds nothing out. With nothing to generalise from, a fact never practised can
// only be guessed: learning mul1 alone, the policy answered 76-87% of its sampled problems while
// its five held-out facts (1*1, 3*3, 6*6, 8*5 and one more) stayed at 1 of 5 right, so mul1 could
// never reach mastery and every skill after it stayed locked. A table of facts is measured on
// every fact instead.
const FactsLimit = 100

// Facts reports whether s is a table of facts, at most FactsLimit problems (add1, sub1, mul1),
// which holds nothing out.
func (s Skill) Facts() bool { return s.space() <= FactsLimit }

// HeldOut reports whether p belongs to the held-out evaluation split of its skill (see
// HeldOutPercent). The split is per skill: 7+45 may be held out as add2 but not as add3. A table
// of facts (see FactsLimit) holds nothing out.
func HeldOut(p Problem) bool {
	if p.Skill.Validate() == nil && p.Skill.Facts() {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(p.Skill.String()))
	h.Write([]byte{':'})
	h.Write([]byte(p.String()))
	return h.Sum64()%100 < HeldOutPercent
}

// enumerateLimit is the largest skill (in distinct problems) whose held-out set HeldOutSet lists
// in full rather than samples.
const enumerateLimit = 100_000

// HeldOutSet returns n held-out problems of skill s, the same for the same (s, n, seed).
//
// For small skills (at most 100,000 distinct problems: add1, add2, sub1, sub2, mul1, mul2, comp1,
// dsum4) it lists the whole held-out set and deals it out in random order, reshuffling and
// dealing again whenever n exceeds it: every held-out problem appears floor(n/k) or ceil(n/k)
// times, where k is the size of the set. A table of facts (add1, sub1, mul1; see FactsLimit)
// holds nothing out, so for it the set is every problem of the skill. For larger skills it draws
// with Generate and keeps held-out problems, skipping repeats, which are rare there.
//
// HeldOutSet panics if s is not valid; n <= 0 gives nil.
func HeldOutSet(s Skill, n int, seed uint64) []Problem {
	if err := s.Validate(); err != nil {
		panic(err)
	}
	if n <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x6865_6c64_6f75_7400)) // "heldout\0"
	out := make([]Problem, 0, n)
	if s.space() <= enumerateLimit {
		all := heldOutAll(s)
		for len(out) < n {
			deck := slices.Clone(all)
			rng.Shuffle(len(deck), func(i, j int) { deck[i], deck[j] = deck[j], deck[i] })
			out = append(out, deck[:min(len(deck), n-len(out))]...)
		}
		return out
	}
	seen := make(map[string]bool, n)
	for repeats := 0; len(out) < n; {
		p := Generate(s, rng)
		if !HeldOut(p) {
			continue
		}
		key := p.String()
		if seen[key] && repeats < 1000 { // after 1000 repeats in a row, allow them
			repeats++
			continue
		}
		repeats = 0
		seen[key] = true
		out = append(out, p)
	}
	return out
}

// heldOutAll lists every held-out problem of a small skill in a fixed order, or every problem of
// a table of facts.
func heldOutAll(s Skill) []Problem {
	if s.Facts() {
		return enumerate(s)
	}
	var out []Problem
	for _, p := range enumerate(s) {
		if HeldOut(p) {
			out = append(out, p)
		}
	}
	return out
}

// enumerate lists every problem of a valid skill: operands in lexicographic order, then operators.
// It is meant for small skills (see enumerateLimit).
func enumerate(s Skill) []Problem {
	limit := int(pow10(s.Digits))
	arity := s.Kind.Arity()
	out := make([]Problem, 0, s.space())
	x := make([]int, arity)
	for {
		if s.Kind == Composite {
			for _, o1 := range allOps {
				for _, o2 := range allOps {
					p := Problem{Skill: s, Operands: slices.Clone(x), Ops: []Op{o1, o2}}
					p.Answer = p.eval()
					out = append(out, p)
				}
			}
		} else {
			p := Problem{Skill: s, Operands: slices.Clone(x)}
			p.Answer = p.eval()
			out = append(out, p)
		}
		// Advance x like an odometer, last operand fastest.
		i := arity - 1
		for ; i >= 0; i-- {
			x[i]++
			if x[i] < limit {
				break
			}
			x[i] = 0
		}
		if i < 0 {
			return out
		}
	}
}
