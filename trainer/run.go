package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"mathzero/checkpoints"
	"mathzero/env/arith"
	"mathzero/internal/atomicfile"
	"mathzero/model"
	"mathzero/tutor"
)

// Run trains for the configured steps in runDir, which holds config.json, metrics.jsonl (one Stats
// object a step) and the checkpoints (see package checkpoints). report, if not nil, sees every
// step's stats. When ctx is cancelled Run finishes the step in flight, saves a checkpoint and
// returns ctx's error; a crash loses at most the steps since the last checkpoint.
func (t *Trainer) Run(ctx context.Context, runDir string, report func(Stats)) error {
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	cfgJSON, err := json.MarshalIndent(t.cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(runDir, "config.json"), append(cfgJSON, '\n')); err != nil {
		return err
	}
	mf, err := os.OpenFile(filepath.Join(runDir, "metrics.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	defer mf.Close()
	enc := json.NewEncoder(mf)

	t.runStart = time.Now()
	defer func() { t.spentBefore, t.runStart = t.minutesSpent(), time.Time{} }()
	// The step a resumed run starts from is saved already, with its held-out accuracy. Saved
	// again unmeasured (a stop before the first step, a reward failing in it) it would lose
	// that accuracy, and a resume would then find the run's best checkpoint unmeasured.
	lastSaved := -1
	saved, err := checkpoints.List(runDir)
	if err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	if slices.Contains(saved, filepath.Join(runDir, checkpoints.DirName(t.step))) {
		lastSaved = t.step
	}
	best, err := bestSoFar(runDir)
	if err != nil {
		return err
	}
	heldOut := -1.0 // mean held-out accuracy at this step, -1 when not measured
	for t.step < t.cfg.Steps {
		if ctx.Err() != nil {
			break
		}
		if t.cfg.Minutes > 0 {
			t.budgetUsed = t.minutesSpent() / t.cfg.Minutes
		}
		st, err := t.Step()
		if err != nil {
			if rerr := (*RewardError)(nil); errors.As(err, &rerr) && lastSaved != t.step { // save the last good state, then stop
				if _, serr := t.Save(runDir); serr != nil {
					return errors.Join(err, serr)
				}
			}
			return err
		}
		heldOut = -1
		last := t.step == t.cfg.Steps || (t.cfg.Minutes > 0 && t.minutesSpent() >= t.cfg.Minutes)
		saveNow := last || (t.cfg.SaveEvery > 0 && t.step%t.cfg.SaveEvery == 0)
		// Every checkpoint is measured, so any of them can become the best.
		if saveNow || (t.cfg.EvalEvery > 0 && t.step%t.cfg.EvalEvery == 0) {
			accs, err := t.Evaluate()
			if err != nil {
				return err
			}
			st.HeldOut = make(map[string]float64)
			done := t.cfg.TargetAccuracy > 0
			heldOut = 0
			measured := make(map[arith.Skill]float64)
			for _, a := range accs {
				measured[a.Skill] = a.Accuracy()
				st.HeldOut[a.Skill.String()] = a.Accuracy()
				heldOut += a.Accuracy() / float64(len(accs))
				done = done && a.Accuracy() >= t.cfg.TargetAccuracy
			}
			// The tutor hears only the scheduled measurements: one taken because the run
			// stops here (budget, target, last step) must not steer a run resumed past it.
			if (t.cfg.EvalEvery > 0 && t.step%t.cfg.EvalEvery == 0) || (t.cfg.SaveEvery > 0 && t.step%t.cfg.SaveEvery == 0) {
				t.tutor.Measured(measured)
			}
			st.Tutor = t.tutor.Report()
			st.Frontier = tutor.Frontier(st.Tutor)
			last = last || done
		}
		st.Elapsed = 60 * t.minutesSpent()
		if err := enc.Encode(st); err != nil {
			return fmt.Errorf("trainer: write metrics: %w", err)
		}
		if report != nil {
			report(st)
		}
		if last || saveNow {
			if err := t.checkpoint(runDir, heldOut, &best); err != nil {
				return err
			}
			lastSaved = t.step
		}
		if last {
			break
		}
	}
	if err := mf.Sync(); err != nil {
		return fmt.Errorf("trainer: write metrics: %w", err)
	}
	if lastSaved != t.step {
		if err := t.checkpoint(runDir, heldOut, &best); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// minutesSpent is the minutes of training so far: before this Run call (a resumed run's
// checkpoint included) and in it.
func (t *Trainer) minutesSpent() float64 {
	m := t.spentBefore
	if !t.runStart.IsZero() {
		m += time.Since(t.runStart).Minutes()
	}
	return m
}

// heldOutFP8 is the mean held-out greedy accuracy of the policy with its linear layers rounded
// to FP8, as a checkpoint saved at SavePrecision FP8 holds it.
func (t *Trainer) heldOutFP8() (float64, error) {
	p := t.policy.Clone()
	if err := roundFP8(p, t.policy, t.cfg.fp8Block()); err != nil {
		return 0, err
	}
	s := model.NewSampler(p)
	mean := 0.0
	for _, sk := range t.cfg.Skills {
		a, err := Greedy(s, t.cfg, t.heldOut[sk], 0)
		if err != nil {
			return 0, err
		}
		mean += a.Accuracy() / float64(len(t.cfg.Skills))
	}
	return mean, nil
}

// BestFile names the file of a run folder that holds the directory name of its best checkpoint:
// the one with the highest mean held-out greedy accuracy over the skills (never the highest
// reward), written atomically like latest. Checkpoints saved without a held-out measurement
// never become best.
const BestFile = "best"

// checkpoint saves the current step with its mean held-out accuracy (-1: not measured), makes it
// the best if it beats *best, and prunes to Config.Keep, sparing the best. A measured FP8
// checkpoint is measured again on the rounded weights it holds, so best is chosen by what it holds.
func (t *Trainer) checkpoint(runDir string, heldOut float64, best *bestCheckpoint) error {
	if heldOut >= 0 && t.cfg.SavePrecision == FP8 {
		var err error
		if heldOut, err = t.heldOutFP8(); err != nil {
			return err
		}
	}
	dir, err := t.save(runDir, heldOut)
	if err != nil {
		return err
	}
	if heldOut >= 0 && (best.name == "" || heldOut > best.acc) {
		best.name, best.acc = filepath.Base(dir), heldOut
		if err := writeFileAtomic(filepath.Join(runDir, BestFile), []byte(best.name+"\n")); err != nil {
			return err
		}
	}
	if t.cfg.Keep > 0 {
		var protect []string
		if best.name != "" {
			protect = append(protect, best.name)
		}
		if err := checkpoints.Prune(runDir, t.cfg.Keep, protect...); err != nil {
			return fmt.Errorf("trainer: %w", err)
		}
	}
	return nil
}

// bestCheckpoint is the run's best checkpoint so far: its directory name ("" if none) and mean
// held-out accuracy.
type bestCheckpoint struct {
	name string
	acc  float64
}

// bestSoFar reads the best checkpoint a resumed run folder already has, with its accuracy.
func bestSoFar(runDir string) (bestCheckpoint, error) {
	b, err := os.ReadFile(filepath.Join(runDir, BestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return bestCheckpoint{}, nil
	}
	if err != nil {
		return bestCheckpoint{}, fmt.Errorf("trainer: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if name == "" || name != filepath.Base(name) || !strings.HasPrefix(name, "step-") {
		return bestCheckpoint{}, fmt.Errorf("trainer: %s: not a checkpoint name: %q", filepath.Join(runDir, BestFile), name)
	}
	ck, err := checkpoints.Load(filepath.Join(runDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return bestCheckpoint{}, nil // pruned by hand: start over
	}
	if err != nil {
		return bestCheckpoint{}, fmt.Errorf("trainer: best checkpoint: %w", err)
	}
	var ex extraState
	if err := json.Unmarshal(ck.Extra, &ex); err != nil || ex.HeldOut == nil || *ex.HeldOut < 0 {
		return bestCheckpoint{}, fmt.Errorf("trainer: best checkpoint %s has no held-out accuracy", name)
	}
	return bestCheckpoint{name: name, acc: *ex.HeldOut}, nil
}

// rngState is every random source a run needs to continue exactly where it stopped.
type rngState struct {
	Problem []byte `json:"problem"` // PCG state, math/rand/v2 binary form
	Sample  []byte `json:"sample"`
}

// extraState is the rest of the trainer's state that a checkpoint keeps.
type extraState struct {
	Sequences int     `json:"sequences"`
	AdamT     int     `json:"adam_t"`
	UniformKL float64 `json:"uniform_kl"`
	// Tutor is the tutor's whole state (its JSON form), curriculum levels included.
	Tutor json.RawMessage `json:"tutor"`
	// HeldOut is the mean held-out greedy accuracy over the skills at this step, if measured.
	HeldOut *float64 `json:"held_out,omitempty"`
	// Minutes is the minutes of training up to this step (Run's wall time, summed over
	// resumes), which a resumed run's Config.Minutes budget goes on from.
	Minutes float64 `json:"minutes,omitempty"`
	// Init is the checkpoint directory the run started from (InitFrom), from which a resumed run
	// reloads its reference policy.
	Init string `json:"init,omitempty"`
}

// Save writes a checkpoint of the current step into runDir and returns its directory.
func (t *Trainer) Save(runDir string) (string, error) { return t.save(runDir, -1) }

// save is Save recording the mean held-out accuracy heldOut (-1: not measured).
func (t *Trainer) save(runDir string, heldOut float64) (string, error) {
	cfgJSON, err := json.Marshal(t.cfg)
	if err != nil {
		return "", fmt.Errorf("trainer: save: %w", err)
	}
	var rs rngState
	if rs.Problem, err = t.problemSrc.MarshalBinary(); err != nil {
		return "", fmt.Errorf("trainer: save: %w", err)
	}
	if rs.Sample, err = t.sampleSrc.MarshalBinary(); err != nil {
		return "", fmt.Errorf("trainer: save: %w", err)
	}
	rngJSON, _ := json.Marshal(rs)
	tutorJSON, err := json.Marshal(t.tutor)
	if err != nil {
		return "", fmt.Errorf("trainer: save: %w", err)
	}
	ex := extraState{Sequences: t.sequences, AdamT: t.opt.t, UniformKL: t.uniformKL, Tutor: tutorJSON, Minutes: t.minutesSpent(), Init: t.initFrom}
	if heldOut >= 0 {
		ex.HeldOut = &heldOut
	}
	extraJSON, err := json.Marshal(ex)
	if err != nil {
		return "", fmt.Errorf("trainer: save: %w", err)
	}
	ck := &checkpoints.Checkpoint{Step: t.step, Config: cfgJSON, RNG: rngJSON, Extra: extraJSON}
	for i, p := range t.policy.Tensors {
		ck.Weights = append(ck.Weights, checkpoints.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data})
		ck.Optimizer = append(ck.Optimizer,
			checkpoints.Tensor{Name: "adam.m/" + p.Name, Shape: p.Shape, Data: t.opt.m[i]},
			checkpoints.Tensor{Name: "adam.v/" + p.Name, Shape: p.Shape, Data: t.opt.v[i]})
	}
	if t.cfg.SavePrecision == FP8 {
		// Matrices only: biases and gains stay FP32, as DeepSeek-V3 keeps its norms.
		q, err := checkpoints.QuantizeWeights(ck.Weights, t.cfg.fp8Block(), model.FP8Linear)
		if err != nil {
			return "", fmt.Errorf("trainer: save: %w", err)
		}
		ck.Weights = q
	}
	dir, err := checkpoints.Save(runDir, ck)
	if err != nil {
		return "", fmt.Errorf("trainer: %w", err)
	}
	return dir, nil
}

// LoadPolicy reads the policy weights and the run configuration from a checkpoint directory, or a
// run directory meaning its latest checkpoint.
func LoadPolicy(path string) (*model.Params, Config, error) {
	ck, err := checkpoints.Load(path)
	if err != nil {
		return nil, Config{}, err
	}
	cfg, err := decodeConfig(ck.Config)
	if err != nil {
		return nil, Config{}, fmt.Errorf("trainer: %s: %w", path, err)
	}
	p, err := paramsFrom(cfg, ck.Weights)
	if err != nil {
		return nil, Config{}, fmt.Errorf("trainer: %s: %w", path, err)
	}
	return p, cfg, nil
}

// decodeConfig reads a stored configuration over the defaults, so a field added since the
// checkpoint was written takes its documented default.
func decodeConfig(raw json.RawMessage) (Config, error) {
	cfg := Default()
	// Runs from before the learning-rate decay existed held LR: they resume as they were.
	cfg.MinLR = -1
	// A field this build does not know (a checkpoint from a newer mathzero, or a typo in an
	// edited config) is an error: ignored, it would load a different model or run than the
	// one the checkpoint records.
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if cfg.MinLR == -1 {
		cfg.MinLR = cfg.LR
	}
	if err := cfg.Model.Validate(); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// paramsFrom builds a policy of the run's shape holding the given tensors, which must match it
// exactly; FP8 tensors (Config.SavePrecision) are dequantised with the run's block.
func paramsFrom(run Config, ts []checkpoints.Tensor) (*model.Params, error) {
	cfg := run.Model
	p, err := model.Zero(cfg)
	if err != nil {
		return nil, err
	}
	if ts, err = checkpoints.DequantizeWeights(ts, run.fp8Block()); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	byName := make(map[string]checkpoints.Tensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t
	}
	if len(byName) != len(p.Tensors) {
		return nil, fmt.Errorf("weights: %d tensors, model %v has %d", len(byName), cfg, len(p.Tensors))
	}
	for _, w := range p.Tensors {
		t, ok := byName[w.Name]
		if !ok {
			return nil, fmt.Errorf("weights: tensor %s missing", w.Name)
		}
		if !slices.Equal(t.Shape, w.Shape) {
			return nil, fmt.Errorf("weights: tensor %s has shape %v, model wants %v", w.Name, t.Shape, w.Shape)
		}
		copy(w.Data, t.Data)
	}
	return p, nil
}

// writeFileAtomic writes data to path so that readers see the old file or the new one, never a
// torn one (package atomicfile).
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("trainer: %w", err)
	}
	return nil
}
