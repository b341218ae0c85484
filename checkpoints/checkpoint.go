package checkpoints

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// FormatVersion is the checkpoint format this package writes and the only one it reads. It is
// stored in state.json and in the metadata of both safetensors files.
const FormatVersion = 1

// File and directory names inside a run directory.
const (
	ModelFile     = "model.safetensors"
	OptimizerFile = "optimizer.safetensors"
	StateFile     = "state.json"
	LatestFile    = "latest"

	stepPrefix = "step-"
	// tmpPrefix starts the name of every temporary a Save or Prune leaves behind when killed.
	// List and Load never look at such entries, and the next Save removes them.
	tmpPrefix = ".tmp-"
)

// Checkpoint is everything the trainer needs to resume exactly.
type Checkpoint struct {
	Step      int
	Config    json.RawMessage // the trainer's config, opaque here
	RNG       json.RawMessage // every RNG state the trainer needs for exact resume, opaque here
	Extra     json.RawMessage // anything else (e.g. held-out accuracy), may be nil
	Weights   []Tensor        // the policy weights, at least one tensor
	Optimizer []Tensor        // may be empty
}

// state is the layout of state.json. The pointers tell a missing field from a zero one.
type state struct {
	FormatVersion *int            `json:"format_version"`
	Step          *int            `json:"step"`
	Config        json.RawMessage `json:"config"`
	RNG           json.RawMessage `json:"rng"`
	Extra         json.RawMessage `json:"extra"`
}

// DirName returns the name of the checkpoint directory for step: "step-%06d".
func DirName(step int) string { return fmt.Sprintf("%s%06d", stepPrefix, step) }

// parseDirName returns the step of a checkpoint directory name "step-<digits>".
func parseDirName(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, stepPrefix)
	if !ok || digits == "" {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	step, err := strconv.Atoi(digits)
	return step, err == nil
}

// Save writes ck as runDir/step-%06d and points runDir/latest at it; it returns the checkpoint
// directory. runDir is created if needed.
//
// The sequence makes a crash or SIGKILL at any moment leave the previous checkpoint and latest
// loadable:
//
//  1. remove temporaries of an earlier, killed Save or Prune (runDir/.tmp-*);
//  2. write the three files into a fresh runDir/.tmp-step-N-* directory, fsync each, fsync it;
//  3. rename it to runDir/step-N; if step-N already exists, atomically exchange the two
//     (renameat2 RENAME_EXCHANGE on Linux) and delete the old one afterwards; fsync runDir;
//  4. write runDir/.tmp-latest-*, fsync, rename over runDir/latest, fsync runDir.
//
// Where the exchange is unavailable (not Linux, or a file system without it), replacing an
// existing step falls back to two renames, between which step-N does not exist.
//
// Save assumes one writer per run directory.
func Save(runDir string, ck *Checkpoint) (string, error) {
	if err := validate(ck); err != nil {
		return "", fmt.Errorf("checkpoints: save to %s: %w", runDir, err)
	}
	name := DirName(ck.Step)
	final := filepath.Join(runDir, name)
	wrap := func(err error) error { return fmt.Errorf("checkpoints: save %s: %w", final, err) }

	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return "", wrap(err)
	}
	if err := removeTemporaries(runDir); err != nil {
		return "", wrap(err)
	}
	tmp, err := os.MkdirTemp(runDir, tmpPrefix+name+"-")
	if err != nil {
		return "", wrap(err)
	}
	if err := writeCheckpoint(tmp, ck); err != nil {
		os.RemoveAll(tmp)
		return "", wrap(err)
	}
	old, err := install(tmp, final)
	if err != nil {
		os.RemoveAll(tmp)
		return "", wrap(err)
	}
	if err := syncDir(runDir); err != nil {
		return "", wrap(err)
	}
	if err := writeLatest(runDir, name); err != nil {
		return "", wrap(err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return "", wrap(fmt.Errorf("remove replaced checkpoint: %w", err))
		}
	}
	return final, nil
}

func validate(ck *Checkpoint) error {
	if ck == nil {
		return errors.New("nil checkpoint")
	}
	if ck.Step < 0 {
		return fmt.Errorf("negative step %d", ck.Step)
	}
	if len(ck.Weights) == 0 {
		return errors.New("no weights")
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"Config", ck.Config}, {"RNG", ck.RNG}, {"Extra", ck.Extra}} {
		if f.raw != nil && !json.Valid(f.raw) {
			return fmt.Errorf("%s is not valid JSON", f.name)
		}
	}
	return nil
}

// writeCheckpoint writes the three checkpoint files into dir, fsyncing them and dir.
func writeCheckpoint(dir string, ck *Checkpoint) error {
	meta := map[string]string{
		"format_version": strconv.Itoa(FormatVersion),
		"step":           strconv.Itoa(ck.Step),
	}
	if err := writeFileSync(filepath.Join(dir, ModelFile), func(w io.Writer) error {
		return WriteSafetensors(w, ck.Weights, meta)
	}); err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(dir, OptimizerFile), func(w io.Writer) error {
		return WriteSafetensors(w, ck.Optimizer, meta)
	}); err != nil {
		return err
	}
	version, step := FormatVersion, ck.Step
	js, err := json.MarshalIndent(state{
		FormatVersion: &version,
		Step:          &step,
		Config:        ck.Config,
		RNG:           ck.RNG,
		Extra:         ck.Extra,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", StateFile, err)
	}
	if err := writeFileSync(filepath.Join(dir, StateFile), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	}); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil { // MkdirTemp made it 0700
		return err
	}
	return syncDir(dir)
}

// install moves the complete directory tmp to final. If final existed, it is swapped out and its
// new path (a temporary) is returned for the caller to delete once the swap is durable.
func install(tmp, final string) (old string, err error) {
	if _, err := os.Lstat(final); errors.Is(err, fs.ErrNotExist) {
		return "", os.Rename(tmp, final)
	} else if err != nil {
		return "", err
	}
	err = exchange(tmp, final)
	if err == nil {
		return tmp, nil
	}
	if !errors.Is(err, errExchangeUnsupported) {
		return "", err
	}
	// Fallback: final is missing between these two renames.
	old = tmp + "-old"
	if err := os.Rename(final, old); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Rename(old, final) // best effort: put the previous checkpoint back
		return "", err
	}
	return old, nil
}

var errExchangeUnsupported = errors.New("atomic directory exchange unsupported")

// exchange is exchangeDirs, replaceable by tests to exercise the fallback.
var exchange = exchangeDirs

// writeLatest atomically replaces runDir/latest with name.
func writeLatest(runDir, name string) error {
	f, err := os.CreateTemp(runDir, tmpPrefix+LatestFile+"-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = writeSyncClose(f, func(w io.Writer) error {
		_, err := io.WriteString(w, name+"\n")
		return err
	})
	if err == nil {
		err = os.Chmod(tmp, 0o644) // CreateTemp made it 0600
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(runDir, LatestFile))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", LatestFile, err)
	}
	return syncDir(runDir)
}

// writeFileSync creates path (which must not exist), fills it with write and fsyncs it.
func writeFileSync(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := writeSyncClose(f, write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeSyncClose(f *os.File, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 256<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs a directory so that the entries created or renamed in it are durable.
// Windows cannot open directories for syncing; there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// removeTemporaries deletes what killed Saves and Prunes left in runDir.
func removeTemporaries(runDir string) error {
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			if err := os.RemoveAll(filepath.Join(runDir, e.Name())); err != nil {
				return fmt.Errorf("remove leftover temporary: %w", err)
			}
		}
	}
	return nil
}

// maxLatestLen bounds how much of a latest file is read.
const maxLatestLen = 4096

// readLatest returns the checkpoint directory name stored in runDir/latest, after checking that
// it is a plain "step-N" name that stays inside runDir. A missing file gives an error wrapping
// fs.ErrNotExist.
func readLatest(runDir string) (string, error) {
	path := filepath.Join(runDir, LatestFile)
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLatestLen+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxLatestLen {
		return "", fmt.Errorf("%s is longer than %d bytes", path, maxLatestLen)
	}
	name := string(bytes.TrimSpace(b))
	switch {
	case name == "":
		return "", fmt.Errorf("%s is empty", path)
	case name == "." || name == ".." || strings.ContainsAny(name, `/\`) || filepath.IsAbs(name) || filepath.VolumeName(name) != "":
		return "", fmt.Errorf("%s names %q, which escapes the run directory", path, name)
	}
	if _, ok := parseDirName(name); !ok {
		return "", fmt.Errorf("%s names %q, which is not a checkpoint directory name (step-N)", path, name)
	}
	return name, nil
}

// Resolve maps path to the checkpoint directory Load would read: path itself if it is a checkpoint
// directory, or the directory named by path/latest if it is a run directory (one with a latest
// file). A run directory without latest (no checkpoint saved yet) gives an error wrapping
// fs.ErrNotExist.
func Resolve(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("checkpoints: resolve: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("checkpoints: resolve %s: not a directory", path)
	}
	name, err := readLatest(path)
	switch {
	case err == nil:
		dir := filepath.Join(path, name)
		fi, err := os.Stat(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("checkpoints: resolve %s: %s names %q, which does not exist: %w", path, LatestFile, name, fs.ErrNotExist)
			}
			return "", fmt.Errorf("checkpoints: resolve %s: %w", path, err)
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("checkpoints: resolve %s: %s names %q, which is not a directory", path, LatestFile, name)
		}
		return dir, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("checkpoints: resolve: %w", err)
	}
	for _, f := range []string{StateFile, ModelFile, OptimizerFile} {
		if _, err := os.Lstat(filepath.Join(path, f)); err == nil {
			return filepath.Clean(path), nil
		}
	}
	return "", fmt.Errorf("checkpoints: resolve %s: neither a checkpoint directory (no %s) nor a run directory with a checkpoint (no %s): %w",
		path, StateFile, LatestFile, fs.ErrNotExist)
}

// Load reads the checkpoint at path, a checkpoint directory or a run directory (meaning the
// checkpoint its latest file names). It checks that all three files are present and well formed,
// that state.json and both safetensors files carry FormatVersion and the same step, and that the
// step matches the directory name when that is step-N. Config, RNG and Extra come back compacted
// (state.json stores them indented); a JSON null comes back as nil.
func Load(path string) (*Checkpoint, error) {
	dir, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	st, err := readState(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Step: *st.Step, Config: compactRaw(st.Config), RNG: compactRaw(st.RNG), Extra: compactRaw(st.Extra)}
	if n, ok := parseDirName(filepath.Base(dir)); ok && n != ck.Step {
		return nil, fmt.Errorf("checkpoints: load %s: directory name says step %d, %s says %d", dir, n, StateFile, ck.Step)
	}
	if ck.Weights, err = readTensorFile(filepath.Join(dir, ModelFile), ck.Step); err != nil {
		return nil, err
	}
	if len(ck.Weights) == 0 {
		return nil, fmt.Errorf("checkpoints: load %s: holds no tensors", filepath.Join(dir, ModelFile))
	}
	if ck.Optimizer, err = readTensorFile(filepath.Join(dir, OptimizerFile), ck.Step); err != nil {
		return nil, err
	}
	return ck, nil
}

// compactRaw returns raw compacted, or nil for a missing value or JSON null.
func compactRaw(raw json.RawMessage) json.RawMessage {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil { // cannot happen: raw came out of a successful Decode
		return raw
	}
	return b.Bytes()
}

// maxStateLen bounds state.json, which holds configs and RNG states, not tensors.
const maxStateLen = 64 << 20

func readState(path string) (*state, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("checkpoints: load %s: %s", path, fmt.Sprintf(format, args...))
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("checkpoints: load %s: missing %s: %w", filepath.Dir(path), filepath.Base(path), fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints: load: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateLen+1))
	if err != nil {
		return nil, fail("%v", err)
	}
	if len(b) > maxStateLen {
		return nil, fail("larger than %d bytes", maxStateLen)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fail("empty file (truncated?)")
	}
	var st state
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fail("bad JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail("bad JSON: data after the top-level object")
	}
	switch {
	case st.FormatVersion == nil:
		return nil, fail("missing format_version")
	case *st.FormatVersion != FormatVersion:
		return nil, fail("format_version %d, this reader supports %d", *st.FormatVersion, FormatVersion)
	case st.Step == nil:
		return nil, fail("missing step")
	case *st.Step < 0:
		return nil, fail("negative step %d", *st.Step)
	}
	return &st, nil
}

// readTensorFile reads a checkpoint safetensors file and checks its format_version and step
// metadata.
func readTensorFile(path string, step int) ([]Tensor, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("checkpoints: load %s: missing %s: %w", filepath.Dir(path), filepath.Base(path), fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints: load: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoints: load: %w", err)
	}
	tensors, meta, err := readSafetensors(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("checkpoints: load %s: %w", path, err)
	}
	if v := meta["format_version"]; v != strconv.Itoa(FormatVersion) {
		return nil, fmt.Errorf("checkpoints: load %s: metadata format_version %q, this reader supports %d", path, v, FormatVersion)
	}
	if s := meta["step"]; s != strconv.Itoa(step) {
		return nil, fmt.Errorf("checkpoints: load %s: metadata step %q, %s says %d", path, s, StateFile, step)
	}
	return tensors, nil
}

// List returns the paths of the complete checkpoint directories in runDir (step-N directories
// holding all three files), in step order. Temporaries and anything else are ignored.
func List(runDir string) ([]string, error) {
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: list: %w", err)
	}
	type ckDir struct {
		name string
		step int
	}
	var found []ckDir
	for _, e := range entries {
		step, ok := parseDirName(e.Name())
		if !ok || !e.IsDir() || !complete(filepath.Join(runDir, e.Name())) {
			continue
		}
		found = append(found, ckDir{e.Name(), step})
	}
	slices.SortFunc(found, func(a, b ckDir) int {
		return cmp.Or(cmp.Compare(a.step, b.step), strings.Compare(a.name, b.name))
	})
	paths := make([]string, len(found))
	for i, c := range found {
		paths[i] = filepath.Join(runDir, c.name)
	}
	return paths, nil
}

// complete reports whether dir holds the three checkpoint files as regular files.
func complete(dir string) bool {
	for _, f := range []string{ModelFile, OptimizerFile, StateFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// Prune removes the checkpoints of runDir except the newest keep (by step), the one latest names,
// and those in protect (directory names like "step-000120" or paths to them; names that match no
// checkpoint are ignored). Each victim is first renamed to a temporary, so a killed Prune never
// leaves a half-deleted step-N directory behind.
func Prune(runDir string, keep int, protect ...string) error {
	if keep < 0 {
		return fmt.Errorf("checkpoints: prune %s: negative keep %d", runDir, keep)
	}
	dirs, err := List(runDir)
	if err != nil {
		return err
	}
	kept := make(map[string]bool)
	for _, p := range protect {
		kept[filepath.Base(filepath.Clean(p))] = true
	}
	latest, err := readLatest(runDir)
	switch {
	case err == nil:
		kept[latest] = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("checkpoints: prune: %w", err)
	}
	for _, d := range dirs[max(0, len(dirs)-keep):] {
		kept[filepath.Base(d)] = true
	}
	var doomed []string
	for _, d := range dirs {
		name := filepath.Base(d)
		if kept[name] {
			continue
		}
		tmp := filepath.Join(runDir, tmpPrefix+"prune-"+name)
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("checkpoints: prune: %w", err)
		}
		if err := os.Rename(d, tmp); err != nil {
			return fmt.Errorf("checkpoints: prune: %w", err)
		}
		doomed = append(doomed, tmp)
	}
	if len(doomed) == 0 {
		return nil
	}
	if err := syncDir(runDir); err != nil {
		return fmt.Errorf("checkpoints: prune: %w", err)
	}
	for _, d := range doomed {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("checkpoints: prune: %w", err)
		}
	}
	return nil
}
