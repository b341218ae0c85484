package reward

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"mathzero/env/arith"
)

// Registry maps a reward's name to the reward. Builtins returns one; specs are parsed against it.
type Registry map[string]Reward

// Add registers rw under rw.Name. It is an error if the registry is nil, the name is empty, has a
// character other than a letter, digit, '_' or '-', or is taken, Score is nil, Doc spans more
// than one line, or [Min, Max] is not a finite range with Min < Max.
func (r Registry) Add(rw Reward) error {
	switch {
	case r == nil:
		return fmt.Errorf("reward: add %q: nil registry", rw.Name)
	case rw.Name == "":
		return errors.New("reward: add: empty name")
	case !validName(rw.Name):
		return fmt.Errorf("reward: add %q: name may hold only letters, digits, '_' and '-'", rw.Name)
	case rw.Score == nil:
		return fmt.Errorf("reward: add %q: nil Score", rw.Name)
	case strings.ContainsAny(rw.Doc, "\r\n"):
		return fmt.Errorf("reward: add %q: Doc must be one line", rw.Name)
	case !finite(rw.Min) || !finite(rw.Max) || !(rw.Min < rw.Max):
		return fmt.Errorf("reward: add %q: bad range [%v, %v]: want finite Min < Max", rw.Name, rw.Min, rw.Max)
	}
	if _, dup := r[rw.Name]; dup {
		return fmt.Errorf("reward: add %q: name already registered", rw.Name)
	}
	r[rw.Name] = rw
	return nil
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Names returns the registered names, sorted.
func (r Registry) Names() []string {
	names := make([]string, 0, len(r))
	for name := range r {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Term is one weighted component of a Mix.
type Term struct {
	Reward Reward
	Weight float64
}

// Mix is a weighted combination of rewards, in spec order.
type Mix []Term

// ParseSpec parses a comma-separated list of name=weight items, e.g.
// "correct=1,format=0.1,partial=0.5", into a Mix in the same order. Whitespace around items, names
// and weights is ignored. A weight is a finite float64 in Go syntax (strconv.ParseFloat); zero and
// negative weights are allowed (a zero-weight component is logged but not optimised). An empty
// spec, an empty item, a missing '=', an unknown name, a missing, invalid, NaN or infinite weight,
// or a repeated name is an error that lists the valid names.
func (r Registry) ParseSpec(spec string) (Mix, error) {
	fail := func(format string, args ...any) (Mix, error) {
		return nil, fmt.Errorf("reward: parse spec %q: %s (valid: %s)", spec, fmt.Sprintf(format, args...), strings.Join(r.Names(), ", "))
	}
	if strings.TrimSpace(spec) == "" {
		return fail("empty spec; want name=weight[,name=weight...]")
	}
	var m Mix
	for i, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return fail("item %d is empty", i+1)
		}
		name, w, ok := strings.Cut(item, "=")
		name, w = strings.TrimSpace(name), strings.TrimSpace(w)
		if !ok {
			return fail("item %q: missing =weight", item)
		}
		rw, known := r[name]
		if !known {
			return fail("unknown reward %q", name)
		}
		if w == "" {
			return fail("item %q: missing weight", item)
		}
		weight, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return fail("item %q: invalid weight %q", item, w)
		}
		if !finite(weight) {
			return fail("item %q: weight %v is not finite", item, weight)
		}
		if slices.Contains(m.Names(), name) {
			return fail("reward %q listed twice", name)
		}
		m = append(m, Term{Reward: rw, Weight: weight})
	}
	return m, nil
}

// String returns the canonical spec of m, e.g. "correct=1,format=0.1"; ParseSpec reads it back.
func (m Mix) String() string {
	items := make([]string, len(m))
	for i, t := range m {
		items[i] = t.Reward.Name + "=" + strconv.FormatFloat(t.Weight, 'g', -1, 64)
	}
	return strings.Join(items, ",")
}

// Names returns the components' names in order.
func (m Mix) Names() []string {
	names := make([]string, len(m))
	for i, t := range m {
		names[i] = t.Reward.Name
	}
	return names
}

// Score returns the weighted total and each component's raw score: parts[i] is m[i]'s score,
// ok[i] false if m[i] was not applicable (then parts[i] is NaN, so that a mean that forgets to
// check ok shows it). total = sum_i w_i * score_i over the applicable components (0 if none).
func (m Mix) Score(p arith.Problem, c Completion) (total float64, parts []float64, ok []bool) {
	parts = make([]float64, len(m))
	ok = make([]bool, len(m))
	for i, t := range m {
		s, applies := t.Reward.Score(p, c)
		if !applies {
			parts[i] = math.NaN()
			continue
		}
		parts[i], ok[i] = s, true
		total += t.Weight * s
	}
	return total, parts, ok
}

// TokenScores returns the per-token process reward of c: tokens_k = sum_i w_i * tokens_i(p, c)_k
// over the components that have a Tokens form; nil if none has one. Components without a Tokens
// form contribute only through Score. It panics if a Tokens func returns the wrong number of
// scores, which is a bug in that reward.
func (m Mix) TokenScores(p arith.Problem, c Completion) []float64 {
	if !m.HasTokens() {
		return nil
	}
	out := make([]float64, len(c.Tokens))
	for _, t := range m {
		if t.Reward.Tokens == nil {
			continue
		}
		ts := t.Reward.Tokens(p, c)
		if len(ts) != len(c.Tokens) {
			panic(fmt.Sprintf("reward: %s: Tokens returned %d scores for %d tokens", t.Reward.Name, len(ts), len(c.Tokens)))
		}
		for k, s := range ts {
			out[k] += t.Weight * s
		}
	}
	return out
}

// HasTokens reports whether any component has a Tokens form.
func (m Mix) HasTokens() bool {
	for _, t := range m {
		if t.Reward.Tokens != nil {
			return true
		}
	}
	return false
}

// Range returns the least and greatest possible total of Score, from each component's declared
// range: sum_i min(w_i*Min_i, w_i*Max_i) and sum_i max(w_i*Min_i, w_i*Max_i), when every
// component applies.
func (m Mix) Range() (lo, hi float64) {
	for _, t := range m {
		a, b := t.Weight*t.Reward.Min, t.Weight*t.Reward.Max
		lo += min(a, b)
		hi += max(a, b)
	}
	return lo, hi
}
