package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"mathzero/internal/atomicfile"
	"mathzero/trainer"
)

// plotMetrics renders a run's metrics.jsonl as one PNG of six panels: reward (total and per
// component), held-out accuracy per skill over time, KL and entropy, the groups that carried no
// signal, completion length, and sampled accuracy with the lowest curriculum level practised.
func plotMetrics(metrics, out string) error {
	f, err := os.Open(metrics)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	defer f.Close()
	var steps []trainer.Stats
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var st trainer.Stats
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			return fmt.Errorf("plot: %s:%d: %w", metrics, line, err)
		}
		steps = append(steps, st)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("plot: %s: %w", metrics, err)
	}
	if len(steps) == 0 {
		return fmt.Errorf("plot: %s: no steps", metrics)
	}

	// series collects named curves; a step without a value for a curve is skipped.
	type series map[string]plotter.XYs
	add := func(s series, name string, x int, y float64) {
		s[name] = append(s[name], plotter.XY{X: float64(x), Y: y})
	}
	reward, held, klEnt, zero, length, acc := series{}, series{}, series{}, series{}, series{}, series{}
	for _, st := range steps {
		add(reward, "total", st.Step, st.Reward)
		for name, v := range st.Rewards {
			add(reward, name, st.Step, v)
		}
		for name, v := range st.HeldOut {
			add(held, name, st.Step, v)
		}
		add(klEnt, "kl", st.Step, st.KL)
		add(klEnt, "entropy", st.Step, st.Entropy)
		add(zero, "equal totals (frac_zero_std)", st.Step, st.FracZeroStd)
		add(zero, "no signal at all", st.Step, st.FracNoSignal)
		add(length, "completion_len", st.Step, st.CompletionLen)
		add(acc, "sampled accuracy", st.Step, st.Accuracy)
		add(acc, "level/2", st.Step, float64(st.Level)/2)
	}
	panels := []struct {
		title string
		s     series
	}{
		{"reward", reward}, {"held-out greedy accuracy", held}, {"KL and entropy (nats)", klEnt},
		{"groups without signal", zero}, {"completion length (tokens)", length}, {"sampled accuracy, curriculum level", acc},
	}
	const rows, cols = 3, 2
	plots := make([][]*plot.Plot, rows)
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "step"
		p.Legend.Top = true
		names := make([]string, 0, len(pn.s))
		for name := range pn.s {
			names = append(names, name)
		}
		sort.Strings(names)
		var args []any
		for _, name := range names {
			args = append(args, name, pn.s[name])
		}
		if pn.title == "held-out greedy accuracy" {
			p.Y.Min, p.Y.Max = 0, 1
		}
		if len(args) > 0 {
			if err := plotutil.AddLines(p, args...); err != nil {
				return fmt.Errorf("plot: %w", err)
			}
		}
		plots[i/cols] = append(plots[i/cols], p)
	}
	img := vgimg.New(12*vg.Inch, 12*vg.Inch)
	dc := draw.New(img)
	canvases := plot.Align(plots, draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Centimeter / 2, PadBottom: vg.Centimeter / 2, PadLeft: vg.Centimeter / 2, PadRight: vg.Centimeter / 2}, dc)
	for i := range plots {
		for j, p := range plots[i] {
			p.Draw(canvases[i][j])
		}
	}
	var png bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&png); err != nil {
		return fmt.Errorf("plot: %s: %w", out, err)
	}
	// A failed write leaves the old plot or none, never a truncated PNG.
	if err := atomicfile.Write(out, png.Bytes()); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
