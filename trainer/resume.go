package trainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"mathzero/checkpoints"
	"mathzero/model"
	"mathzero/reward"
	"mathzero/tutor"
)

// ReadConfig returns the configuration and step of the checkpoint at path (a checkpoint directory,
// or a run directory meaning its latest checkpoint), for a caller that wants to compare it with its
// own settings before resuming.
func ReadConfig(path string) (Config, int, error) {
	ck, err := checkpoints.Load(path)
	if err != nil {
		return Config{}, 0, fmt.Errorf("trainer: resume: %w", err)
	}
	cfg, err := decodeConfig(ck.Config)
	if err != nil {
		return Config{}, 0, fmt.Errorf("trainer: resume %s: %w", path, err)
	}
	return cfg, ck.Step, nil
}

// Resume rebuilds the trainer saved at path (a checkpoint directory, or a run directory meaning its
// latest checkpoint) so that running it on gives, bit for bit, the weights an uninterrupted run
// would have: it restores the policy, AdamW's m, v and t, both PCG streams (problems and sampling),
// the step, the sequence count, the tutor (every skill's record and curriculum level), the steered
// uniform-KL weight, and the minutes trained, from which a Config.Minutes budget goes on (a run
// that has spent it is an error). The frozen reference policy (Config.Beta > 0) is not stored: it
// is the initial policy, re-created from the seed exactly as New does, or, for a run started with
// InitFrom, read again from the checkpoint it started from.
//
// steps, when positive, replaces Config.Steps (the only setting a resume may change); it must be
// past the checkpoint's step. Every other setting is the checkpoint's own.
func Resume(path string, steps int) (*Trainer, error) {
	return ResumeWithRewards(path, steps, nil)
}

// ResumeWithRewards is Resume for a run trained with rewards registered outside the built-ins
// (NewWithRewards): mix must be the run's own composition, its spec equal to the checkpoint's
// Config.Rewards. A nil mix parses Config.Rewards against the built-ins, as Resume does.
func ResumeWithRewards(path string, steps int, mix reward.Mix) (*Trainer, error) {
	return ResumeWith(path, steps, Options{Rewards: mix})
}

// ResumeWith is Resume for a run built by NewWith: o.Rewards as for ResumeWithRewards, and
// o.Tutor, when not nil, a fresh tutor of the run's kind, into which the checkpoint's tutor state
// is read.
func ResumeWith(path string, steps int, o Options) (*Trainer, error) {
	mix := o.Rewards
	ck, err := checkpoints.Load(path)
	if err != nil {
		return nil, fmt.Errorf("trainer: resume: %w", err)
	}
	fail := func(err error) (*Trainer, error) {
		return nil, fmt.Errorf("trainer: resume %s: %w", path, err)
	}
	cfg, err := decodeConfig(ck.Config)
	if err != nil {
		return fail(err)
	}
	if steps > 0 {
		cfg.Steps = steps
	}
	if cfg.Steps <= ck.Step {
		return fail(fmt.Errorf("steps %d: the checkpoint is already at step %d", cfg.Steps, ck.Step))
	}
	var rs rngState
	if err := json.Unmarshal(ck.RNG, &rs); err != nil {
		return fail(fmt.Errorf("rng: %w", err))
	}
	var ex extraState
	if len(ck.Extra) == 0 {
		return fail(fmt.Errorf("extra: missing (trainer state)"))
	}
	if err := json.Unmarshal(ck.Extra, &ex); err != nil {
		return fail(fmt.Errorf("extra: %w", err))
	}
	// New validates the config and re-creates the initial weights (and so the reference) from the seed.
	var t *Trainer
	if mix != nil && mix.String() != cfg.Rewards {
		err = fmt.Errorf("rewards %q differ from the run's %q", mix.String(), cfg.Rewards)
	} else {
		t, err = NewWith(cfg, o)
	}
	if err != nil {
		return fail(err)
	}
	loaded, err := paramsFrom(cfg, ck.Weights)
	if err != nil {
		return fail(err)
	}
	// Copy in place: the sampler and the compiled graph share the policy's slices.
	for i, w := range t.policy.Tensors {
		copy(w.Data, loaded.Tensors[i].Data)
	}
	opt := make(map[string]checkpoints.Tensor, len(ck.Optimizer))
	for _, o := range ck.Optimizer {
		opt[o.Name] = o
	}
	if len(opt) != 2*len(t.policy.Tensors) {
		return fail(fmt.Errorf("optimizer: %d tensors, want %d (adam.m and adam.v of each weight)", len(opt), 2*len(t.policy.Tensors)))
	}
	for i, w := range t.policy.Tensors {
		for _, s := range []struct {
			name string
			dst  []float32
		}{{"adam.m/" + w.Name, t.opt.m[i]}, {"adam.v/" + w.Name, t.opt.v[i]}} {
			o, ok := opt[s.name]
			if !ok {
				return fail(fmt.Errorf("optimizer: tensor %s missing", s.name))
			}
			if !slices.Equal(o.Shape, w.Shape) {
				return fail(fmt.Errorf("optimizer: tensor %s has shape %v, want %v", s.name, o.Shape, w.Shape))
			}
			if o.Dtype != checkpoints.F32 || len(o.Data) != len(s.dst) {
				return fail(fmt.Errorf("optimizer: tensor %s is %v with %d values, want F32 with %d", s.name, o.Dtype, len(o.Data), len(s.dst)))
			}
			copy(s.dst, o.Data)
		}
	}
	if ex.AdamT < 0 || ex.Sequences < 0 || ex.UniformKL < 0 || !(ex.Minutes >= 0) {
		return fail(fmt.Errorf("extra: invalid trainer state %+v", ex))
	}
	if len(ex.Tutor) == 0 {
		return fail(fmt.Errorf("extra: no tutor state (a checkpoint from before tutors can be evaluated, not resumed)"))
	}
	if err := t.tutor.UnmarshalJSON(ex.Tutor); err != nil {
		return fail(fmt.Errorf("extra: %w", err))
	}
	t.opt.t = ex.AdamT
	if err := t.problemSrc.UnmarshalBinary(rs.Problem); err != nil {
		return fail(fmt.Errorf("rng problem: %w", err))
	}
	if err := t.sampleSrc.UnmarshalBinary(rs.Sample); err != nil {
		return fail(fmt.Errorf("rng sample: %w", err))
	}
	// A warm-started run's reference is the checkpoint it started from, not the seed's weights.
	if ex.Init != "" && t.ref != nil {
		_, loaded, err := t.initWeights(ex.Init)
		if err != nil {
			return fail(fmt.Errorf("reference policy: %w", err))
		}
		for i, w := range t.ref.Tensors {
			copy(w.Data, loaded.Tensors[i].Data)
		}
	}
	t.initFrom = ex.Init
	t.step = ck.Step
	t.sequences = ex.Sequences
	t.uniformKL = ex.UniformKL
	t.spentBefore = ex.Minutes
	if cfg.Minutes > 0 && ex.Minutes >= cfg.Minutes {
		return fail(fmt.Errorf("minutes: the run has spent its budget (%.1f of %g minutes); start a new one from its weights instead (-init, Trainer.InitFrom)", ex.Minutes, cfg.Minutes))
	}
	return t, nil
}

// InitFrom starts t, a new run not yet stepped, from the weights of the checkpoint at path (a
// checkpoint directory, or a run directory meaning its latest checkpoint) instead of random ones:
// a warm start, as a fine-tune starts from a pretrained model. Only the weights are taken (and
// made the frozen reference too, when Config.Beta > 0); the optimizer, the tutor, the step and
// the random streams are the new run's own, so the run may practise other skills, pose them
// otherwise (Width, Work) or weigh other rewards. The checkpoint's model must have t's shape.
// Every checkpoint of the run names the one it started from, where a resumed run reloads its
// reference from, so that checkpoint must stay in place while the run may be resumed with Beta > 0.
func (t *Trainer) InitFrom(path string) error {
	if t.step != 0 {
		return fmt.Errorf("trainer: init from %s: the run is at step %d; a warm start comes before the first step", path, t.step)
	}
	dir, loaded, err := t.initWeights(path)
	if err != nil {
		return err
	}
	// Copy in place: the sampler and the compiled graph share the policy's slices.
	for i, w := range t.policy.Tensors {
		copy(w.Data, loaded.Tensors[i].Data)
		if t.ref != nil {
			copy(t.ref.Tensors[i].Data, loaded.Tensors[i].Data)
		}
	}
	t.initFrom = dir
	return nil
}

// initWeights reads the weights of the checkpoint at path for InitFrom, and returns them with the
// checkpoint's directory made absolute, which the run's checkpoints record.
func (t *Trainer) initWeights(path string) (string, *model.Params, error) {
	fail := func(err error) (string, *model.Params, error) {
		return "", nil, fmt.Errorf("trainer: init from %s: %w", path, err)
	}
	dir, err := checkpoints.Resolve(path)
	if err != nil {
		return fail(err)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return fail(err)
	}
	ck, err := checkpoints.Load(dir)
	if err != nil {
		return fail(err)
	}
	ckCfg, err := decodeConfig(ck.Config)
	if err != nil {
		return fail(err)
	}
	if !reflect.DeepEqual(ckCfg.Model, t.cfg.Model) {
		return fail(fmt.Errorf("its model differs from the run's: %s", modelDiff(ckCfg.Model, t.cfg.Model)))
	}
	loaded, err := paramsFrom(ckCfg, ck.Weights)
	if err != nil {
		return fail(err)
	}
	return dir, loaded, nil
}

// modelDiff names the fields where the checkpoint's model ck and the run's differ, "DModel 64
// (checkpoint) vs 128 (run), ...": printed whole, the two structs hide a one-field difference
// among twenty.
func modelDiff(ck, run model.Config) string {
	var out []string
	a, b := reflect.ValueOf(ck), reflect.ValueOf(run)
	for i := range a.NumField() {
		if x, y := a.Field(i).Interface(), b.Field(i).Interface(); !reflect.DeepEqual(x, y) {
			out = append(out, fmt.Sprintf("%s %v (checkpoint) vs %v (run)", a.Type().Field(i).Name, x, y))
		}
	}
	return strings.Join(out, ", ")
}

// ErrNoTutor is ReadSkills' error for a checkpoint written before tutors existed.
var ErrNoTutor = errors.New("no tutor state (a checkpoint from before tutors)")

// ReadSkills returns the tutor's record of every skill in the checkpoint at path (a checkpoint
// directory, or a run directory meaning its latest checkpoint): status, curriculum level, running pass
// rate and signal, last held-out accuracy, groups practised and share of the next step.
func ReadSkills(path string) ([]tutor.SkillReport, error) {
	ck, err := checkpoints.Load(path)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	cfg, err := decodeConfig(ck.Config)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", path, err)
	}
	var ex extraState
	if err := json.Unmarshal(ck.Extra, &ex); err != nil {
		return nil, fmt.Errorf("trainer: %s: extra: %w", path, err)
	}
	if len(ex.Tutor) == 0 {
		return nil, fmt.Errorf("trainer: %s: %w", path, ErrNoTutor)
	}
	tu, err := cfg.newTutor()
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", path, err)
	}
	if err := tu.UnmarshalJSON(ex.Tutor); err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", path, err)
	}
	return tu.Report(), nil
}
