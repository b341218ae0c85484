package checkpoints

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testCheckpoint returns a small checkpoint whose every weight encodes step, so that files mixed
// up between steps are caught.
func testCheckpoint(step, size int) *Checkpoint {
	w := make([]float32, size)
	for i := range w {
		w[i] = float32(step) + float32(i)/float32(size)
	}
	m := make([]float32, size)
	v := make([]float32, size)
	for i := range m {
		m[i] = -float32(step)
		v[i] = float32(step * i)
	}
	return &Checkpoint{
		Step:   step,
		Config: json.RawMessage(`{"d_model": 64, "lr": 0.001, "name": "tiny"}`),
		RNG:    json.RawMessage(`{"sampler": [1, 2, 3], "env": "0x1234"}`),
		Extra:  json.RawMessage(`{"heldout_acc": 0.5}`),
		Weights: []Tensor{
			{Name: "wte", Shape: []int{size}, Data: w},
			{Name: "ln_f.bias", Shape: []int{1}, Data: []float32{float32(step)}},
		},
		Optimizer: []Tensor{
			{Name: "adam.m/wte", Shape: []int{size}, Data: m},
			{Name: "adam.v/wte", Shape: []int{size}, Data: v},
		},
	}
}

func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if raw == nil {
		return "<nil>"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("json.Compact(%s): %v", raw, err)
	}
	return b.String()
}

func checkSame(t *testing.T, got, want *Checkpoint) {
	t.Helper()
	if got.Step != want.Step {
		t.Errorf("Step = %d; want %d", got.Step, want.Step)
	}
	for _, f := range []struct {
		name      string
		got, want json.RawMessage
	}{{"Config", got.Config, want.Config}, {"RNG", got.RNG, want.RNG}, {"Extra", got.Extra, want.Extra}} {
		if g, w := compactJSON(t, f.got), compactJSON(t, f.want); g != w {
			t.Errorf("%s = %s; want %s", f.name, g, w)
		}
	}
	if !equalTensors(got.Weights, sortedByName(want.Weights)) {
		t.Errorf("Weights differ after Save/Load")
	}
	if !equalTensors(got.Optimizer, sortedByName(want.Optimizer)) {
		t.Errorf("Optimizer differs after Save/Load")
	}
}

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestSaveLoad(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	ck := testCheckpoint(120, 10)
	dir, err := Save(run, ck)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	if want := filepath.Join(run, "step-000120"); dir != want {
		t.Errorf("Save returned %q; want %q", dir, want)
	}
	latest, err := os.ReadFile(filepath.Join(run, "latest"))
	if err != nil || string(latest) != "step-000120\n" {
		t.Errorf("latest = %q, %v; want %q", latest, err, "step-000120\n")
	}
	if got, want := entries(t, run), []string{"latest", "step-000120"}; !slices.Equal(got, want) {
		t.Errorf("run directory holds %q; want %q", got, want)
	}
	if got, want := entries(t, dir), []string{"model.safetensors", "optimizer.safetensors", "state.json"}; !slices.Equal(got, want) {
		t.Errorf("checkpoint directory holds %q; want %q", got, want)
	}
	for _, p := range []string{run, dir} {
		got, err := Load(p)
		if err != nil {
			t.Fatalf("Load(%s): %v", p, err)
		}
		checkSame(t, got, ck)
	}
	state, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(state, &st); err != nil {
		t.Fatalf("state.json: %v", err)
	}
	if st["format_version"] != 1.0 || st["step"] != 120.0 {
		t.Errorf("state.json = %s; want format_version 1, step 120", state)
	}
	f, err := os.Open(filepath.Join(dir, ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	_, meta, err := ReadSafetensors(f, fi.Size())
	if err != nil || meta["format_version"] != "1" || meta["step"] != "120" {
		t.Errorf("model.safetensors metadata = %v, %v; want format_version 1, step 120", meta, err)
	}
}

func TestSaveNilJSONAndNoOptimizer(t *testing.T) {
	run := t.TempDir()
	ck := &Checkpoint{Step: 0, Weights: []Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1, 2}}}}
	if _, err := Save(run, ck); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := Load(run)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Config != nil || got.RNG != nil || got.Extra != nil || len(got.Optimizer) != 0 {
		t.Errorf("Load = %+v; want nil Config, RNG, Extra and no optimizer tensors", got)
	}
	checkSame(t, got, ck)
}

func TestSaveErrors(t *testing.T) {
	valid := func() *Checkpoint { return testCheckpoint(3, 4) }
	tests := []struct {
		name string
		ck   *Checkpoint
		want string
	}{
		{"nil", nil, "nil checkpoint"},
		{"negative step", func() *Checkpoint { c := valid(); c.Step = -1; return c }(), "negative step -1"},
		{"no weights", func() *Checkpoint { c := valid(); c.Weights = nil; return c }(), "no weights"},
		{"bad config", func() *Checkpoint { c := valid(); c.Config = json.RawMessage(`{"a":`); return c }(), "Config is not valid JSON"},
		{"bad rng", func() *Checkpoint { c := valid(); c.RNG = json.RawMessage(`nope`); return c }(), "RNG is not valid JSON"},
		{"duplicate weight", func() *Checkpoint { c := valid(); c.Weights = append(c.Weights, c.Weights[0]); return c }(), `tensor "wte": duplicate name`},
		{"bad optimizer shape", func() *Checkpoint { c := valid(); c.Optimizer[0].Shape = []int{5}; return c }(), `tensor "adam.m/wte": shape [5] has 5 elements, data has 4`},
	}
	for _, tt := range tests {
		run := t.TempDir()
		_, err := Save(run, tt.ck)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Save = %v; want error containing %q", tt.name, err, tt.want)
		}
		if names := entries(t, run); len(names) != 0 {
			t.Errorf("%s: failed Save left %q", tt.name, names)
		}
	}
}

// TestSaveReplaces re-saves an existing step, with the atomic exchange and with the fallback.
func TestSaveReplaces(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		t.Run("fallback="+strconv.FormatBool(fallback), func(t *testing.T) {
			if fallback {
				exchange = func(a, b string) error { return errExchangeUnsupported }
				t.Cleanup(func() { exchange = exchangeDirs })
			}
			run := t.TempDir()
			if _, err := Save(run, testCheckpoint(5, 8)); err != nil {
				t.Fatal(err)
			}
			if _, err := Save(run, testCheckpoint(7, 8)); err != nil {
				t.Fatal(err)
			}
			second := testCheckpoint(5, 8)
			second.Weights[0].Data[0] = 42
			second.Extra = nil
			if _, err := Save(run, second); err != nil {
				t.Fatalf("Save(existing step): %v", err)
			}
			got, err := Load(run)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checkSame(t, got, second)
			if got, want := entries(t, run), []string{"latest", "step-000005", "step-000007"}; !slices.Equal(got, want) {
				t.Errorf("run directory holds %q; want %q", got, want)
			}
		})
	}
}

func TestExchangeDirs(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	for _, d := range []string{a, b} {
		os.Mkdir(d, 0o755)
		os.WriteFile(filepath.Join(d, "who"), []byte(filepath.Base(d)), 0o644)
	}
	err := exchangeDirs(a, b)
	if errors.Is(err, errExchangeUnsupported) {
		t.Skipf("no atomic exchange here (%s/%s); Save uses the two-rename fallback", runtime.GOOS, runtime.GOARCH)
	}
	if err != nil {
		t.Fatalf("exchangeDirs: %v", err)
	}
	for dir, want := range map[string]string{a: "b", b: "a"} {
		if got, _ := os.ReadFile(filepath.Join(dir, "who")); string(got) != want {
			t.Errorf("after exchange %s holds %q; want %q", dir, got, want)
		}
	}
	if err := exchangeDirs(a, filepath.Join(root, "missing")); err == nil {
		t.Errorf("exchangeDirs(a, missing) = nil; want error")
	}
}

func TestLoadHostile(t *testing.T) {
	write := func(path, s string) func(t *testing.T, run, dir string) {
		return func(t *testing.T, run, dir string) {
			if err := os.WriteFile(filepath.Join(run, path), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	remove := func(name string) func(t *testing.T, run, dir string) {
		return func(t *testing.T, run, dir string) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	truncate := func(name string, by int64) func(t *testing.T, run, dir string) {
		return func(t *testing.T, run, dir string) {
			p := filepath.Join(dir, name)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, fi.Size()-by); err != nil {
				t.Fatal(err)
			}
		}
	}
	state := func(s string) func(t *testing.T, run, dir string) { return write("step-000007/state.json", s) }
	tests := []struct {
		name     string
		mutate   func(t *testing.T, run, dir string)
		want     string
		notExist bool // the error wraps fs.ErrNotExist
	}{
		{"missing model", remove(ModelFile), "step-000007: missing model.safetensors", true},
		{"missing optimizer", remove(OptimizerFile), "step-000007: missing optimizer.safetensors", true},
		{"missing state", remove(StateFile), "step-000007: missing state.json", true},
		{"truncated model", truncate(ModelFile, 3), "model.safetensors: tensor", false},
		{"truncated model header", truncate(ModelFile, 200), "model.safetensors: header length", false},
		{"truncated optimizer", truncate(OptimizerFile, 1), "optimizer.safetensors: tensor", false},
		{"empty model", write("step-000007/model.safetensors", ""), "model.safetensors: file has 0 bytes, too short", false},
		{"truncated state", truncate(StateFile, 10), "state.json: bad JSON", false},
		{"empty state", state(""), "state.json: empty file", false},
		{"state not JSON", state("step: 7"), "state.json: bad JSON", false},
		{"state wrong version", state(`{"format_version": 2, "step": 7}`), "state.json: format_version 2, this reader supports 1", false},
		{"state no version", state(`{"step": 7}`), "state.json: missing format_version", false},
		{"state no step", state(`{"format_version": 1}`), "state.json: missing step", false},
		{"state negative step", state(`{"format_version": 1, "step": -7}`), "state.json: negative step -7", false},
		{"state unknown field", state(`{"format_version": 1, "step": 7, "lr": 1}`), `state.json: bad JSON: json: unknown field "lr"`, false},
		{"state trailing data", state(`{"format_version": 1, "step": 7} {}`), "state.json: bad JSON: data after", false},
		{"state step mismatch", state(`{"format_version": 1, "step": 8}`), "directory name says step 7, state.json says 8", false},
		{"metadata step mismatch", func(t *testing.T, run, dir string) {
			var b bytes.Buffer
			ck := testCheckpoint(7, 4)
			WriteSafetensors(&b, ck.Weights, map[string]string{"format_version": "1", "step": "6"})
			write("step-000007/model.safetensors", b.String())(t, run, dir)
		}, `model.safetensors: metadata step "6", state.json says 7`, false},
		{"metadata wrong version", func(t *testing.T, run, dir string) {
			var b bytes.Buffer
			WriteSafetensors(&b, testCheckpoint(7, 4).Optimizer, map[string]string{"format_version": "2", "step": "7"})
			write("step-000007/optimizer.safetensors", b.String())(t, run, dir)
		}, `optimizer.safetensors: metadata format_version "2", this reader supports 1`, false},
		{"no weights", func(t *testing.T, run, dir string) {
			var b bytes.Buffer
			WriteSafetensors(&b, nil, map[string]string{"format_version": "1", "step": "7"})
			write("step-000007/model.safetensors", b.String())(t, run, dir)
		}, "model.safetensors: holds no tensors", false},
		{"latest missing dir", write("latest", "step-000099\n"), `latest names "step-000099", which does not exist`, true},
		{"latest escapes", write("latest", "../etc"), `names "../etc", which escapes the run directory`, false},
		{"latest dotdot", write("latest", ".."), `names "..", which escapes the run directory`, false},
		{"latest absolute", write("latest", "/etc"), `names "/etc", which escapes the run directory`, false},
		{"latest subdir", write("latest", "step-000007/../step-000007"), "escapes the run directory", false},
		{"latest not a checkpoint", write("latest", "config.json"), `names "config.json", which is not a checkpoint directory name`, false},
		{"latest two lines", write("latest", "step-000007\nstep-000008\n"), "which is not a checkpoint directory name", false},
		{"latest empty", write("latest", " \n"), "latest is empty", false},
		{"latest huge", write("latest", strings.Repeat("x", 5000)), "longer than 4096 bytes", false},
		{"latest names a file", func(t *testing.T, run, dir string) {
			write("step-000008", "")(t, run, dir)
			write("latest", "step-000008")(t, run, dir)
		}, `names "step-000008", which is not a directory`, false},
		{"latest missing, no checkpoint files", remove("../latest"), "neither a checkpoint directory", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := t.TempDir()
			dir, err := Save(run, testCheckpoint(7, 16))
			if err != nil {
				t.Fatal(err)
			}
			tt.mutate(t, run, dir)
			ck, err := Load(run)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load(run) = %v, %v; want error containing %q", ck, err, tt.want)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "checkpoints: ") {
				t.Errorf("Load error %q: want one line with the package prefix", msg)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) = %v; want %v", err, got, tt.notExist)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	run := t.TempDir()
	if _, err := Resolve(run); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Resolve(empty run) = %v; want fs.ErrNotExist", err)
	}
	if _, err := Resolve(filepath.Join(run, "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Resolve(missing) = %v; want fs.ErrNotExist", err)
	}
	dir, err := Save(run, testCheckpoint(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{run, run + "/", dir, dir + "/."} {
		if got, err := Resolve(p); got != dir || err != nil {
			t.Errorf("Resolve(%q) = %q, %v; want %q, nil", p, got, err, dir)
		}
	}
	file := filepath.Join(dir, StateFile)
	if _, err := Resolve(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Resolve(%q) = %v; want not a directory", file, err)
	}
}

// TestCrashLeftovers simulates saves killed at various points and checks that Load and List see
// only complete checkpoints, and that the next Save cleans up.
func TestCrashLeftovers(t *testing.T) {
	run := t.TempDir()
	if _, err := Save(run, testCheckpoint(1, 4)); err != nil {
		t.Fatal(err)
	}
	// Killed while writing step 2: a partial temporary directory.
	tmp := filepath.Join(run, ".tmp-step-000002-123456")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	WriteSafetensors(&b, testCheckpoint(2, 4).Weights, nil)
	os.WriteFile(filepath.Join(tmp, ModelFile), b.Bytes()[:b.Len()/2], 0o644)
	// Killed while writing latest.
	os.WriteFile(filepath.Join(run, ".tmp-latest-99"), []byte("step-0000"), 0o644)
	// Killed mid-Prune.
	pruned := filepath.Join(run, ".tmp-prune-step-000000")
	os.Mkdir(pruned, 0o755)
	// An incomplete step directory that nobody should trust (e.g. a hand-made copy).
	inc := filepath.Join(run, "step-000003")
	os.Mkdir(inc, 0o755)
	os.WriteFile(filepath.Join(inc, StateFile), []byte(`{"format_version":1,"step":3}`), 0o644)

	ck, err := Load(run)
	if err != nil || ck.Step != 1 {
		t.Fatalf("Load(run) after crash = %v, %v; want step 1", ck, err)
	}
	list, err := List(run)
	if want := []string{filepath.Join(run, "step-000001")}; err != nil || !slices.Equal(list, want) {
		t.Errorf("List after crash = %q, %v; want %q", list, err, want)
	}

	// Killed after renaming step 2 into place but before updating latest: latest still says 1.
	dir2, err := Save(run, testCheckpoint(2, 4))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := entries(t, run), []string{"latest", "step-000001", "step-000002", "step-000003"}; !slices.Equal(got, want) {
		t.Errorf("after Save the run directory holds %q; want %q (temporaries removed)", got, want)
	}
	os.WriteFile(filepath.Join(run, "latest"), []byte("step-000001\n"), 0o644)
	if ck, err := Load(run); err != nil || ck.Step != 1 {
		t.Errorf("Load(run) with stale latest = %v, %v; want step 1", ck, err)
	}
	list, err = List(run)
	if want := []string{filepath.Join(run, "step-000001"), dir2}; err != nil || !slices.Equal(list, want) {
		t.Errorf("List = %q, %v; want %q", list, err, want)
	}
}

func TestListAndPrune(t *testing.T) {
	run := t.TempDir()
	for _, step := range []int{10, 2, 6, 1000000, 4} {
		if _, err := Save(run, testCheckpoint(step, 2)); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(run, "step-abc"), 0o755)
	os.WriteFile(filepath.Join(run, "config.json"), []byte("{}"), 0o644)
	names := func() []string {
		t.Helper()
		list, err := List(run)
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, p := range list {
			ns = append(ns, filepath.Base(p))
		}
		return ns
	}
	if got, want := names(), []string{"step-000002", "step-000004", "step-000006", "step-000010", "step-1000000"}; !slices.Equal(got, want) {
		t.Errorf("List = %q; want %q", got, want)
	}
	// latest is step 4 (the last saved): kept although not among the newest 2.
	if err := Prune(run, 2, filepath.Join(run, "step-000002"), "step-999"); err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if got, want := names(), []string{"step-000002", "step-000004", "step-000010", "step-1000000"}; !slices.Equal(got, want) {
		t.Errorf("after Prune(2, step-000002) List = %q; want %q", got, want)
	}
	if err := Prune(run, 0); err != nil {
		t.Fatalf("Prune(0): %v", err)
	}
	if got, want := names(), []string{"step-000004"}; !slices.Equal(got, want) {
		t.Errorf("after Prune(0) List = %q; want %q", got, want)
	}
	for _, e := range entries(t, run) {
		if strings.HasPrefix(e, ".tmp-") {
			t.Errorf("Prune left %s", e)
		}
	}
	if ck, err := Load(run); err != nil || ck.Step != 4 {
		t.Errorf("Load after Prune = %v, %v; want step 4", ck, err)
	}
	if err := Prune(run, -1); err == nil {
		t.Errorf("Prune(-1) = nil; want error")
	}
	os.WriteFile(filepath.Join(run, "latest"), []byte("../x"), 0o644)
	if err := Prune(run, 1); err == nil || !strings.Contains(err.Error(), "escapes") {
		t.Errorf("Prune with a bad latest = %v; want error", err)
	}
	if _, err := List(filepath.Join(run, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List(missing) = %v; want fs.ErrNotExist", err)
	}
}

// TestSaveKilled SIGKILLs a process that saves and prunes in a loop, at random moments, and checks
// after each kill that latest and every listed checkpoint load, and hold consistent files.
func TestSaveKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs processes and SIGKILL")
	}
	run := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSaveLoopHelper$")
		cmd.Env = append(os.Environ(), "CHECKPOINTS_SAVE_LOOP="+run)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()

		ck, err := Load(run)
		switch {
		case errors.Is(err, fs.ErrNotExist) && round == 0:
			continue // killed before the first latest
		case err != nil:
			t.Fatalf("round %d: Load(run) after kill: %v", round, err)
		}
		checkConsistent(t, ck)
		list, err := List(run)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			ck, err := Load(d)
			if err != nil {
				t.Fatalf("round %d: Load(%s) after kill: %v", round, d, err)
			}
			checkConsistent(t, ck)
		}
		tmps := 0
		for _, e := range entries(t, run) {
			if strings.HasPrefix(e, ".tmp-") {
				tmps++
			}
		}
		t.Logf("round %d: latest step %d, %d checkpoints, %d leftover temporaries", round, ck.Step, len(list), tmps)
	}
}

func checkConsistent(t *testing.T, ck *Checkpoint) {
	t.Helper()
	for _, w := range ck.Weights {
		if w.Name == "ln_f.bias" && w.Data[0] != float32(ck.Step) {
			t.Errorf("step %d checkpoint holds weights of step %v", ck.Step, w.Data[0])
		}
	}
}

// TestSaveLoopHelper is the process TestSaveKilled kills: it resumes from latest, then re-saves
// the current step (exercising the replacement path) and saves new ones, pruning as it goes.
func TestSaveLoopHelper(t *testing.T) {
	run := os.Getenv("CHECKPOINTS_SAVE_LOOP")
	if run == "" {
		t.Skip("helper process for TestSaveKilled")
	}
	start := 0
	if ck, err := Load(run); err == nil {
		start = ck.Step
	}
	deadline := time.Now().Add(10 * time.Second) // in case nobody kills us
	for i := 0; time.Now().Before(deadline); i++ {
		if _, err := Save(run, testCheckpoint(start+i/2, 20000)); err != nil {
			t.Fatal(err)
		}
		if err := Prune(run, 2); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkSaveLoad saves and loads a checkpoint of 400k float32 weights and 800k optimizer
// values (Adam's m and v), and reports the time of each half and the file sizes.
func BenchmarkSaveLoad(b *testing.B) {
	const params = 400_000
	rng := rand.New(rand.NewPCG(1, 1))
	ck := &Checkpoint{Step: 1, Config: json.RawMessage(`{}`), RNG: json.RawMessage(`{}`)}
	shapes := [][]int{{16, 128}, {128, 384}, {128, 128}, {128, 512}, {512, 128}}
	for n, i := 0, 0; n < params; i++ {
		shape := shapes[i%len(shapes)]
		size := shape[0] * shape[1]
		if n+size > params { // last tensor takes the remainder
			shape = []int{params - n}
			size = params - n
		}
		data := make([]float32, size)
		for j := range data {
			data[j] = float32(rng.NormFloat64())
		}
		name := "layer" + strconv.Itoa(i/len(shapes)) + "/w" + strconv.Itoa(i%len(shapes))
		ck.Weights = append(ck.Weights, Tensor{Name: name, Shape: shape, Data: data})
		ck.Optimizer = append(ck.Optimizer,
			Tensor{Name: "adam.m/" + name, Shape: shape, Data: slices.Clone(data)},
			Tensor{Name: "adam.v/" + name, Shape: shape, Data: slices.Clone(data)})
		n += size
	}
	run := b.TempDir()
	var save, load time.Duration
	var dir string
	iters := 0
	for b.Loop() {
		t0 := time.Now()
		d, err := Save(run, ck)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := Load(d); err != nil {
			b.Fatal(err)
		}
		save += t1.Sub(t0)
		load += time.Since(t1)
		dir = d
		iters++
	}
	b.ReportMetric(float64(save.Microseconds())/1e3/float64(iters), "save-ms/op")
	b.ReportMetric(float64(load.Microseconds())/1e3/float64(iters), "load-ms/op")
	for _, f := range []struct{ name, unit string }{{ModelFile, "model-bytes"}, {OptimizerFile, "optimizer-bytes"}} {
		fi, err := os.Stat(filepath.Join(dir, f.name))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size()), f.unit)
	}
}
