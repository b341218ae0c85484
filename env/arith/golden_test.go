package arith

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// TestEncodingGolden pins the encoding and the generator: for a fixed seed per skill, the first
// problems, their prompts and canonical answers, and whether they are held out. A change here
// changes what every checkpoint was trained on.
func TestEncodingGolden(t *testing.T) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# skill  problem  prompt  answer  held-out (seed PCG(2024, skill index), 6 problems per skill)\n")
	for i, s := range AllSkills() {
		rng := rand.New(rand.NewPCG(2024, uint64(i)))
		fmt.Fprintf(&b, "%s prompt_len=%d max_answer_len=%d\n", s, s.PromptLen(), s.MaxAnswerLen())
		for range 6 {
			p := Generate(s, rng)
			fmt.Fprintf(&b, "  %-6s %-15s %-17s %-9s %v\n", s, p, Render(Encode(p)), Render(EncodeAnswer(p.Answer)), HeldOut(p))
		}
	}
	path := filepath.Join("testdata", "encoding.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("encoding differs from %s (run go test -update if the change is intended):\ngot:\n%s\nwant:\n%s", path, b.Bytes(), want)
	}
}
