package trainer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"mathzero/model"
)

func TestCostPerMillion(t *testing.T) {
	for _, tc := range []struct {
		tps   float64
		cores int
		price float64
		want  float64
	}{
		{1e6 / 3600, 1, 1, 1},          // a million tokens an hour on one $1 core: $1
		{20000, 2, 0.05, 0.0013888889}, // 72M tokens an hour for $0.10
		{0, 2, 0.05, math.NaN()},
		{-5, 2, 0.05, math.NaN()},
		{math.NaN(), 2, 0.05, math.NaN()},
		{100, 0, 0.05, math.NaN()},
	} {
		got := CostPerMillion(tc.tps, tc.cores, tc.price)
		if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tc.want) > 1e-9) {
			t.Errorf("CostPerMillion(%v, %d, %v) = %v; want %v", tc.tps, tc.cores, tc.price, got, tc.want)
		}
	}
	line := CostLine(20000, 2, 0.05)
	for _, want := range []string{"$0.0014 per million", "DeepSeek-R1 $2.19", "o1 $60", "different model class"} {
		if !strings.Contains(line, want) {
			t.Errorf("CostLine = %q; missing %q", line, want)
		}
	}
}

func TestThroughput(t *testing.T) {
	cfg := tinyConfig()
	p, err := model.New(cfg.Model, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	tps, err := Throughput(model.NewSampler(p), cfg, 32)
	if err != nil || !(tps > 0) {
		t.Errorf("Throughput = %v, %v; want a positive rate", tps, err)
	}
	if _, err := Throughput(nil, cfg, 0); err == nil {
		t.Error("Throughput with 0 prompts succeeded")
	}
	noSkills := cfg
	noSkills.Skills = nil
	if _, err := Throughput(model.NewSampler(p), noSkills, 32); err == nil || !strings.Contains(err.Error(), "skills") {
		t.Errorf("Throughput with no skills = %v; want an error naming the skills", err)
	}
}

func TestCores(t *testing.T) {
	for n, want := range map[int]string{1: "1 core", 2: "2 cores", 16: "16 cores"} {
		if got := Cores(n); got != want {
			t.Errorf("Cores(%d) = %q, want %q", n, got, want)
		}
	}
	if line := CostLine(1000, 1, 0.05); !strings.Contains(line, "on 1 core at") {
		t.Errorf("CostLine on one core: %s", line)
	}
}
