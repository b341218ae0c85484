package arith

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Example is one problem read from a GPT-3 arithmetic file.
type Example struct {
	Problem Problem // Answer is checked against the file's completion
	Line    int     // 1-based line number in the file
}

// maxLineLen bounds one line of a JSONL file; GPT-3's lines are under 120 bytes.
const maxLineLen = 1 << 16

// ReadJSONL reads one of GPT-3's arithmetic files (openai/gpt-3 data/*.jsonl), whose lines are
//
//	{"context": "\n\nQ: What is 98 plus 45?\n\nA:", "completion": " 143"}
//
// The context must be "Q:", a question ParseQuestion accepts, then "A:" (whitespace around each is
// ignored); the completion an optionally negative decimal integer that must equal the computed
// answer. Blank lines are skipped. name is used in errors ("two_digit_addition.jsonl:17: ...").
//
// Every problem is widened (WithDigits) to the widest operand width of its kind in the file, so
// that a file's problems share one encoding: in a two-digit file "What is 0 plus 25?" encodes as
// "^00+25=", not "^0+25=". A malformed line, an unknown question form, a completion that disagrees
// with the answer, or a file without any example is an error naming the file and line.
func ReadJSONL(r io.Reader, name string) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineLen)
	var out []Example
	width := make(map[Kind]int)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		p, err := parseLine(text)
		if err != nil {
			if rerr := sc.Err(); rerr != nil { // a read error cut the line short: report it instead
				return nil, fmt.Errorf("arith: read %s: line %d: %w", name, line, rerr)
			}
			return nil, fmt.Errorf("arith: %s:%d: %w", name, line, err)
		}
		width[p.Skill.Kind] = max(width[p.Skill.Kind], p.Skill.Digits)
		out = append(out, Example{Problem: p, Line: line})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("arith: %s:%d: line longer than %d bytes", name, line+1, maxLineLen)
		}
		return nil, fmt.Errorf("arith: read %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("arith: %s: no examples", name)
	}
	for i, ex := range out {
		p, err := ex.Problem.WithDigits(width[ex.Problem.Skill.Kind])
		if err != nil { // unreachable: the width is within the kind's range and covers every operand
			return nil, fmt.Errorf("arith: %s:%d: %w", name, ex.Line, err)
		}
		out[i].Problem = p
	}
	return out, nil
}

// parseLine parses one non-blank JSONL line into a problem at its narrowest width.
func parseLine(text string) (Problem, error) {
	var rec struct {
		Context    *string `json:"context"`
		Completion *string `json:"completion"`
	}
	if err := json.Unmarshal([]byte(text), &rec); err != nil {
		return Problem{}, fmt.Errorf("malformed JSON: %w", err)
	}
	if rec.Context == nil || rec.Completion == nil {
		return Problem{}, errors.New(`want an object with "context" and "completion" strings`)
	}
	ctx := strings.TrimSpace(*rec.Context)
	q, ok := strings.CutPrefix(ctx, "Q:")
	if !ok {
		return Problem{}, fmt.Errorf("context %q does not start with \"Q:\"", ctx)
	}
	q, ok = strings.CutSuffix(q, "A:")
	if !ok {
		return Problem{}, fmt.Errorf("context %q does not end with \"A:\"", ctx)
	}
	p, err := parseQuestion(q)
	if err != nil {
		return Problem{}, fmt.Errorf("question %q: %w", strings.TrimSpace(q), err)
	}
	want, err := parseInt(strings.TrimSpace(*rec.Completion))
	if err != nil {
		return Problem{}, fmt.Errorf("completion %q: %w", *rec.Completion, err)
	}
	if want != p.Answer {
		return Problem{}, fmt.Errorf("completion %q disagrees with %v = %d", *rec.Completion, p, p.Answer)
	}
	return p, nil
}

// parseInt parses an optionally negative decimal integer of ASCII digits (no '+', no spaces, no
// underscores).
func parseInt(s string) (int, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" {
		return 0, errors.New("not an integer")
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return 0, errors.New("not an integer")
		}
	}
	x, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not an integer: %w", err)
	}
	return int(x), nil
}
