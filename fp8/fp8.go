// Package fp8 is the OCP 8-bit floating point format E4M3 ("OFP8", OCP 8-bit Floating Point
// Specification v1.0, 2023) and the block-scaled quantisation DeepSeek-V3 stores its weights in.
//
// # E4M3
//
// A code is one byte S.EEEE.MMM: sign S, exponent E (bias 7), mantissa M. Its value is
//
//	E = 0:            (-1)^S · M/8 · 2^-6            subnormals and ±0; smallest 2^-9
//	E = 1..15:        (-1)^S · (1 + M/8) · 2^(E-7)   normals; smallest 2^-6, largest 448
//	E = 15, M = 7:    NaN (0x7F and 0xFF)            instead of the normal 480
//
// There are no infinities: S.1111.111 is NaN, so S.1111.110 = ±448 is the largest finite value.
// Both ±0 exist. Every code but the two NaNs is a distinct number.
//
// FromFloat32 rounds to nearest, ties to even, and saturates: anything larger in magnitude than
// 448, infinities included, becomes ±448 (the spec's "saturating" conversion mode, which
// DeepSeek-V3 and PyTorch's float8_e4m3fn casts use). NaN stays NaN, keeping its sign.
//
// # Block scaling
//
// E4M3 has 4 significant bits and a range of [2^-9, 448], so a weight matrix is stored as codes
// plus one float32 per block of Block.Rows × Block.Cols elements (DeepSeek-V3: 128×128; the last
// row and column of blocks may be smaller):
//
//	scaleInv[bi, bj] = amax / 448            amax = max |x| over the block
//	codes[i, j]      = E4M3(x[i, j] / scaleInv[bi, bj])   (bi = i / Block.Rows, bj = j / Block.Cols)
//	x̂[i, j]          = float32(codes[i, j]) · scaleInv[bi, bj]
//
// so each block's largest element lands on ±448 and its relative error is at most 2^-4 (half an
// E4M3 ulp) down to amax·2^-6/448, below which elements fall into E4M3's subnormals and keep an
// absolute error of at most scaleInv·2^-10. The name and the direction (x̂ = code · scaleInv)
// follow DeepSeek-V3's checkpoints, whose "<weight>_scale_inv" tensors hold exactly this array.
package fp8

import (
	"fmt"
	"math"
)

// E4M3 is one OCP FP8 E4M3 code (see the package comment for the bit layout).
type E4M3 uint8

// Max is the largest finite E4M3 value, S.1111.110.
const Max = 448

// NaN is the positive E4M3 NaN, 0.1111.111; 1.1111.111 (0xFF) is a NaN too.
const NaN E4M3 = 0x7F

// decodeTable holds the float32 value of every code. It is built from the formula in the package
// comment; the tests check it against an independent one.
var decodeTable = func() (t [256]float32) {
	for b := range 256 {
		e, m := b>>3&0xF, b&7
		var v float64
		switch {
		case e == 15 && m == 7:
			v = math.NaN()
		case e == 0:
			v = math.Ldexp(float64(m), -9)
		default:
			v = math.Ldexp(float64(8+m), e-10)
		}
		f := float32(v)
		if b&0x80 != 0 {
			f = math.Float32frombits(math.Float32bits(f) | 1<<31)
		}
		t[b] = f
	}
	return t
}()

// Float32 returns the value of b. It is exact: every E4M3 value is a float32. The NaN codes give
// a quiet float32 NaN with the code's sign.
func (b E4M3) Float32() float32 { return decodeTable[b] }

// IsNaN reports whether b is one of the two NaN codes, 0x7F and 0xFF.
func (b E4M3) IsNaN() bool { return b&0x7F == 0x7F }

// FromFloat32 returns the E4M3 code nearest to x, ties to even (the code whose mantissa's last
// bit is 0). |x| > 448, ±Inf included, saturates to ±448; NaN becomes NaN with x's sign (0x7F or
// 0xFF); -0 and negative values that round to zero give -0 (0x80).
func FromFloat32(x float32) E4M3 { return fromFloat64(float64(x)) }

// fromFloat64 is FromFloat32 for a float64, correctly rounded from x itself (no double rounding
// through float32), which Quantize needs for x/scaleInv. It works on the bits: a float64
// 1.f · 2^e has the 53-bit significand m = 2^52 + f, and the E4M3 value nearest it is
// q · 2^(e-3) for a normal binade (e ≥ -6), q = m / 2^49 rounded to even, or q · 2^-9 below that
// (the subnormals), q = m / 2^(43-e) rounded to even.
func fromFloat64(x float64) E4M3 {
	bits := math.Float64bits(x)
	sign := E4M3(bits >> 56 & 0x80)
	a := bits &^ (1 << 63)
	switch {
	case a > 0x7FF0000000000000: // NaN
		return sign | NaN
	case a >= 0x407C000000000000: // 448 and up, +Inf included: saturate
		return sign | 0x7E
	}
	e := int(a>>52) - 1023
	m := a&(1<<52-1) | 1<<52
	if e < -1022 { // float64 subnormal or zero: far below 2^-10, rounds to ±0
		return sign
	}
	shift := 49
	base := (e + 7) << 3 // E4M3 exponent field of a normal binade, in place
	if e < -6 {
		shift = 43 - e  // ≥ 50
		if shift > 62 { // e ≤ -20, a < 2^-19: rounds to 0
			return sign
		}
		base = 0
	}
	q := m >> shift
	rem, half := m&(1<<shift-1), uint64(1)<<(shift-1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	// In a normal binade q is in [8, 16]: the code is base + q - 8, and q = 16 carries into the
	// next binade by itself. Among the subnormals q is in [0, 8], the mantissa with E = 0, and
	// q = 8 gives the smallest normal 0.0001.000. a < 448 keeps the result below 0x7E + 1.
	if base != 0 {
		q -= 8
	}
	return sign | E4M3(base+int(q))
}

// Block is the extent of one scaling block: Rows × Cols elements share one scale.
type Block struct {
	Rows, Cols int
}

// DefaultBlock returns DeepSeek-V3's weight block, 128 × 128.
func DefaultBlock() Block { return Block{Rows: 128, Cols: 128} }

// ScaleShape returns the shape of the scaleInv array of a rows × cols matrix:
// [ceil(rows/b.Rows), ceil(cols/b.Cols)]. It assumes b is valid (positive sizes).
func (b Block) ScaleShape(rows, cols int) (int, int) {
	return ceilDiv(rows, b.Rows), ceilDiv(cols, b.Cols)
}

// ceilDiv is ⌈n/d⌉ for n ≥ 0, d ≥ 1, without the overflow of (n+d-1)/d for a huge d.
func ceilDiv(n, d int) int {
	q := n / d
	if n%d != 0 {
		q++
	}
	return q
}

// MatrixShape returns the matrix a tensor of the given shape is quantised as: [n] is treated as
// [1, n] and [r, c] as itself. Other ranks are an error.
func MatrixShape(shape []int) (rows, cols int, err error) {
	switch len(shape) {
	case 1:
		rows, cols = 1, shape[0]
	case 2:
		rows, cols = shape[0], shape[1]
	default:
		return 0, 0, fmt.Errorf("fp8: shape %v has rank %d; block scaling needs rank 1 or 2", shape, len(shape))
	}
	if rows < 0 || cols < 0 {
		return 0, 0, fmt.Errorf("fp8: shape %v has a negative dimension", shape)
	}
	return rows, cols, nil
}

// check validates a rows × cols matrix of n elements with block b and returns the scale shape.
func check(n, rows, cols int, b Block, what string) (int, int, error) {
	switch {
	case b.Rows <= 0 || b.Cols <= 0:
		return 0, 0, fmt.Errorf("block %d×%d: sizes must be positive", b.Rows, b.Cols)
	case rows < 0 || cols < 0:
		return 0, 0, fmt.Errorf("shape [%d, %d] has a negative dimension", rows, cols)
	case cols > 0 && rows > math.MaxInt/cols:
		return 0, 0, fmt.Errorf("shape [%d, %d] overflows int", rows, cols)
	case n != rows*cols:
		return 0, 0, fmt.Errorf("shape [%d, %d] has %d elements, %s has %d", rows, cols, rows*cols, what, n)
	}
	sr, sc := b.ScaleShape(rows, cols)
	return sr, sc, nil
}

// Quantize block-quantises the row-major rows × cols matrix x (a vector is 1 × n): it returns
// codes (rows·cols, row-major) and scaleInv (row-major [ceil(rows/b.Rows), ceil(cols/b.Cols)])
// such that x ≈ codes · scaleInv blockwise, as in the package comment. Each block's scaleInv is
// the float32 nearest amax/448 (rounded up instead where amax/448 is below float32's normal range,
// so that no x/scaleInv exceeds 448 by more than float32 rounding), and each code is x/scaleInv
// correctly rounded (the quotient is taken in float64, which holds it closely enough that rounding
// it again to E4M3 gives the same code). An all-zero block gets scaleInv 1 (and zero codes, signs
// kept). x must hold only finite values; the first NaN or ±Inf is reported by position.
func Quantize(x []float32, rows, cols int, b Block) (codes []E4M3, scaleInv []float32, err error) {
	sr, sc, err := check(len(x), rows, cols, b, "x")
	if err != nil {
		return nil, nil, fmt.Errorf("fp8: quantize: %w", err)
	}
	for k, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, nil, fmt.Errorf("fp8: quantize: x[%d, %d] is %v", k/cols, k%cols, v)
		}
	}
	codes = make([]E4M3, len(x))
	scaleInv = make([]float32, sr*sc)
	for bi := range sr {
		r0, r1 := bi*b.Rows, min((bi+1)*b.Rows, rows)
		for bj := range sc {
			c0, c1 := bj*b.Cols, min((bj+1)*b.Cols, cols)
			var amax float32
			for i := r0; i < r1; i++ {
				for _, v := range x[i*cols+c0 : i*cols+c1] {
					amax = max(amax, float32(math.Abs(float64(v))))
				}
			}
			s := blockScale(amax)
			scaleInv[bi*sc+bj] = s
			for i := r0; i < r1; i++ {
				for j := c0; j < c1; j++ {
					codes[i*cols+j] = fromFloat64(float64(x[i*cols+j]) / float64(s))
				}
			}
		}
	}
	return codes, scaleInv, nil
}

// blockScale returns the scaleInv of a block whose largest magnitude is amax (finite, ≥ 0).
func blockScale(amax float32) float32 {
	if amax == 0 {
		return 1
	}
	want := float64(amax) / Max
	s := float32(want)
	// Below float32's normal range amax/448 may round far down (to 0 even), which would push
	// amax/s well past 448 and saturate with a large error: round up instead.
	if float64(s) < want && s < math.SmallestNonzeroFloat32*(1<<23) {
		s = math.Nextafter32(s, float32(math.Inf(1)))
	}
	// Otherwise s = amax/448 · (1 + δ), |δ| ≤ 2^-24, so amax/s rounds to 448 at most, and
	// 448·s does not overflow float32 even for amax = math.MaxFloat32 (the tests check the top
	// float32 values).
	return s
}

// Dequantize returns the row-major rows × cols matrix x̂[i, j] = codes[i, j] · scaleInv[bi, bj]
// (float32 product), the inverse of Quantize up to its rounding. codes must hold no NaN and
// scaleInv only finite, non-negative values (the first offender is reported by position), and
// the products must fit in float32.
func Dequantize(codes []E4M3, scaleInv []float32, rows, cols int, b Block) ([]float32, error) {
	x := make([]float32, len(codes))
	if err := dequantize(x, codes, scaleInv, rows, cols, b); err != nil {
		return nil, fmt.Errorf("fp8: dequantize: %w", err)
	}
	return x, nil
}

func dequantize(x []float32, codes []E4M3, scaleInv []float32, rows, cols int, b Block) error {
	sr, sc, err := check(len(codes), rows, cols, b, "codes")
	if err != nil {
		return err
	}
	if len(scaleInv) != sr*sc {
		return fmt.Errorf("scaleInv has %d values, want %d×%d = %d for shape [%d, %d] in %d×%d blocks",
			len(scaleInv), sr, sc, sr*sc, rows, cols, b.Rows, b.Cols)
	}
	for k, s := range scaleInv {
		if !(s >= 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("scaleInv[%d, %d] is %v; want finite and non-negative", k/sc, k%sc, s)
		}
	}
	for bi := range sr {
		r0, r1 := bi*b.Rows, min((bi+1)*b.Rows, rows)
		for bj := range sc {
			c0, c1 := bj*b.Cols, min((bj+1)*b.Cols, cols)
			s := scaleInv[bi*sc+bj]
			for i := r0; i < r1; i++ {
				row := codes[i*cols : (i+1)*cols]
				out := x[i*cols : (i+1)*cols]
				for j := c0; j < c1; j++ {
					v := decodeTable[row[j]] * s
					if v-v != 0 { // NaN code, or an overflow to ±Inf
						return dequantErr(row[j], s, i, j)
					}
					out[j] = v
				}
			}
		}
	}
	return nil
}

func dequantErr(c E4M3, s float32, i, j int) error {
	if c.IsNaN() {
		return fmt.Errorf("codes[%d, %d] is NaN (%#02x)", i, j, uint8(c))
	}
	return fmt.Errorf("codes[%d, %d] = %v times scaleInv %v overflows float32", i, j, c.Float32(), s)
}
