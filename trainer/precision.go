package trainer

import (
	"fmt"
	"strings"

	"mathzero/fp8"
	"mathzero/model"
)

// Precision is the number format of weights where a run may round them: the rollouts' copy of the
// policy (Config.RolloutPrecision) and the checkpoints' weights (Config.SavePrecision).
type Precision int

const (
	// FP32 keeps the weights as trained.
	FP32 Precision = iota
	// FP8 rounds the weight matrices of the blocks' linear layers (model.FP8Linear) to OCP
	// E4M3 with one FP32 scale per Config.FP8Block × Config.FP8Block block, as DeepSeek-V3
	// stores them; the embeddings, output head, router, biases and gains stay FP32, as V3
	// keeps them. See package fp8.
	FP8
)

var precisionNames = [...]string{"fp32", "fp8"}

func (p Precision) String() string {
	if p < 0 || int(p) >= len(precisionNames) {
		return fmt.Sprintf("Precision(%d)", int(p))
	}
	return precisionNames[p]
}

// MarshalText implements encoding.TextMarshaler.
func (p Precision) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Precision) UnmarshalText(b []byte) error {
	for i, name := range precisionNames {
		if string(b) == name {
			*p = Precision(i)
			return nil
		}
	}
	return fmt.Errorf("unknown precision %q (want %s)", b, strings.Join(precisionNames[:], ", "))
}

// fp8Block is the run's FP8 scaling block.
func (c Config) fp8Block() fp8.Block { return fp8.Block{Rows: c.FP8Block, Cols: c.FP8Block} }

// roundFP8 writes into dst the policy src with the linear layers' matrices (model.FP8Linear)
// rounded through FP8 (quantised with block b, then dequantised) and every other tensor copied:
// the weights an FP8 rollout engine would hold. dst and src must have the same shape.
func roundFP8(dst, src *model.Params, b fp8.Block) error {
	for i, t := range src.Tensors {
		d := dst.Tensors[i]
		if len(t.Shape) != 2 || !model.FP8Linear(t.Name) {
			copy(d.Data, t.Data)
			continue
		}
		codes, scales, err := fp8.Quantize(t.Data, t.Shape[0], t.Shape[1], b)
		if err != nil {
			return fmt.Errorf("trainer: fp8 rollout weights: %s: %w", t.Name, err)
		}
		x, err := fp8.Dequantize(codes, scales, t.Shape[0], t.Shape[1], b)
		if err != nil {
			return fmt.Errorf("trainer: fp8 rollout weights: %s: %w", t.Name, err)
		}
		copy(d.Data, x)
	}
	return nil
}
