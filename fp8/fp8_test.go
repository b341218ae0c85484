package fp8

import (
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// refDecode is the E4M3 value of b by the spec's formula, written independently of
// decodeTable: (-1)^S · 2^(1-bias) · (0 + M/2^3) for E = 0, (-1)^S · 2^(E-bias) · (1 + M/2^3)
// otherwise, NaN for S.1111.111; bias 7.
func refDecode(b uint8) float64 {
	s := float64(1)
	if b >= 128 {
		s = -1
	}
	e := int(b/8) % 16
	m := float64(b % 8)
	switch {
	case e == 15 && m == 7:
		return math.NaN()
	case e == 0:
		return s * math.Pow(2, 1-7) * (m / 8)
	}
	return s * math.Pow(2, float64(e-7)) * (1 + m/8)
}

// refPos holds the non-negative finite E4M3 values, index = code (0x00..0x7E), ascending.
var refPos = func() []float64 {
	v := make([]float64, 0x7F)
	for b := range v {
		v[b] = refDecode(uint8(b))
	}
	return v
}()

// refEncode is FromFloat32 by search: the nearest of refPos, ties to the even code, saturating
// at 448, NaN keeping its sign. Every difference below is exact in float64 (Sterbenz: x and the
// neighbour are within a factor 2 of each other, or the neighbour is 0).
func refEncode(x float32) E4M3 {
	var sign E4M3
	if math.Signbit(float64(x)) {
		sign = 0x80
	}
	a := math.Abs(float64(x))
	switch {
	case math.IsNaN(a):
		return sign | 0x7F
	case a >= 448:
		return sign | 0x7E
	}
	hi := sort.SearchFloat64s(refPos, a) // first value >= a
	if refPos[hi] == a {
		return sign | E4M3(hi)
	}
	lo := hi - 1
	dlo, dhi := a-refPos[lo], refPos[hi]-a
	switch {
	case dlo < dhi:
		return sign | E4M3(lo)
	case dhi < dlo:
		return sign | E4M3(hi)
	case lo%2 == 0:
		return sign | E4M3(lo)
	}
	return sign | E4M3(hi)
}

func same(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

func TestDecodeExhaustive(t *testing.T) {
	for b := range 256 {
		c := E4M3(b)
		got, want := c.Float32(), refDecode(uint8(b))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) || !c.IsNaN() {
				t.Errorf("E4M3(%#02x).Float32() = %v, IsNaN %v; want NaN, true", b, got, c.IsNaN())
			}
			if math.Signbit(float64(got)) != (b >= 128) {
				t.Errorf("E4M3(%#02x).Float32() = NaN with sign bit %v", b, math.Signbit(float64(got)))
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) || c.IsNaN() {
			t.Errorf("E4M3(%#02x).Float32() = %v, IsNaN %v; want %v, false", b, got, c.IsNaN(), want)
		}
	}
	// Values from the OCP OFP8 spec's table, and a few landmarks.
	for _, tt := range []struct {
		b    E4M3
		want float32
	}{
		{0x00, 0}, {0x01, 0x1p-9}, {0x07, 0.875 * 0x1p-6}, {0x08, 0x1p-6}, {0x30, 0.5},
		{0x38, 1}, {0x39, 1.125}, {0x3F, 1.875}, {0x40, 2}, {0x77, 240}, {0x78, 256},
		{0x7D, 416}, {0x7E, 448}, {0xB8, -1}, {0xFE, -448}, {0x81, -0x1p-9},
	} {
		if got := tt.b.Float32(); got != tt.want {
			t.Errorf("E4M3(%#02x).Float32() = %v; want %v", uint8(tt.b), got, tt.want)
		}
	}
	if got := E4M3(0x80).Float32(); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("E4M3(0x80).Float32() = %v; want -0", got)
	}
	if Max != E4M3(0x7E).Float32() || NaN != 0x7F {
		t.Errorf("Max, NaN = %v, %#02x; want 448, 0x7f", float32(Max), uint8(NaN))
	}
}

func TestDecodeOrder(t *testing.T) {
	for b := 1; b <= 0x7E; b++ {
		lo, hi := E4M3(b-1).Float32(), E4M3(b).Float32()
		if !(lo < hi) {
			t.Errorf("E4M3(%#02x) = %v is not below E4M3(%#02x) = %v", b-1, lo, b, hi)
		}
		if E4M3(b|0x80).Float32() != -hi {
			t.Errorf("E4M3(%#02x) = %v; want %v", b|0x80, E4M3(b|0x80).Float32(), -hi)
		}
	}
}

// TestEncodeDecodeIdentity: every code, both zeros and both NaNs included, survives
// FromFloat32(Float32()).
func TestEncodeDecodeIdentity(t *testing.T) {
	for b := range 256 {
		if got := FromFloat32(E4M3(b).Float32()); got != E4M3(b) {
			t.Errorf("FromFloat32(E4M3(%#02x).Float32() = %v) = %#02x; want %#02x", b, E4M3(b).Float32(), uint8(got), b)
		}
	}
}

func checkEncode(t *testing.T, x float32) {
	t.Helper()
	if got, want := FromFloat32(x), refEncode(x); got != want {
		t.Fatalf("FromFloat32(%v [%#08x]) = %#02x (%v); want %#02x (%v)",
			x, math.Float32bits(x), uint8(got), got.Float32(), uint8(want), want.Float32())
	}
}

// TestEncodeSweep checks FromFloat32 against refEncode on every representable value, every
// midpoint between neighbours (ties to even) and the float32s on either side of it, a strided
// sweep of all non-negative float32s below 2^10 and their negatives, and random bit patterns.
func TestEncodeSweep(t *testing.T) {
	next := func(x float32, dir float64) float32 { return math.Nextafter32(x, float32(dir)) }
	for b := 0; b <= 0x7E; b++ {
		v := float32(refPos[b])
		for _, x := range []float32{v, next(v, 1), next(v, -1)} {
			checkEncode(t, x)
			checkEncode(t, -x)
		}
		var mid float32
		if b < 0x7E {
			mid = float32((refPos[b] + refPos[b+1]) / 2) // exact: needs 5 significant bits
		} else {
			mid = 464 // where 480 would start, had E4M3 one more code
		}
		for _, x := range []float32{mid, next(mid, 1), next(mid, -1)} {
			checkEncode(t, x)
			checkEncode(t, -x)
		}
		// Ties go to the even code, which is the lower or the upper neighbour in turn.
		if b < 0x7E {
			want := E4M3(b)
			if b%2 == 1 {
				want = E4M3(b + 1)
			}
			if got := FromFloat32(mid); got != want {
				t.Errorf("FromFloat32(midpoint %v of %#02x and %#02x) = %#02x; want %#02x", mid, b, b+1, uint8(got), uint8(want))
			}
		}
	}
	top := math.Float32bits(1024)
	for bits := uint32(0); bits < top; bits += 509 {
		x := math.Float32frombits(bits)
		checkEncode(t, x)
		checkEncode(t, -x)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1 << 18 {
		checkEncode(t, math.Float32frombits(rng.Uint32()))
	}
}

// refEncodeRat is the E4M3 code nearest the exact non-negative rational q, ties to even,
// saturating at 448.
func refEncodeRat(q *big.Rat) E4M3 {
	if q.Cmp(new(big.Rat).SetInt64(448)) >= 0 {
		return 0x7E
	}
	// lo: the last value ≤ q (refPos[0] = 0 ≤ q).
	lo := sort.Search(len(refPos), func(i int) bool { return new(big.Rat).SetFloat64(refPos[i]).Cmp(q) > 0 }) - 1
	twice := new(big.Rat).Add(q, q)
	mid := new(big.Rat).Add(new(big.Rat).SetFloat64(refPos[lo]), new(big.Rat).SetFloat64(refPos[lo+1]))
	switch c := twice.Cmp(mid); {
	case c < 0, c == 0 && lo%2 == 0:
		return E4M3(lo)
	}
	return E4M3(lo + 1)
}

// TestQuotientRounding checks the claim Quantize rests on: for float32 x and s, rounding the
// float64 quotient x/s to E4M3 gives the code nearest the exact quotient. The hard cases are
// quotients next to a midpoint between two codes, so x is taken as the float32s around
// midpoint · s.
func TestQuotientRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 3000 {
		s := float32(math.Ldexp(1+rng.Float64(), rng.IntN(260)-150)) // subnormal to 2^110
		if s == 0 {
			continue
		}
		b := rng.IntN(0x7E)
		m := (refPos[b] + refPos[b+1]) / 2
		x0 := float32(m * float64(s))
		for _, x := range []float32{x0, math.Nextafter32(x0, 0), math.Nextafter32(x0, 1e38), float32(rng.Float64() * 448 * float64(s))} {
			if math.IsInf(float64(x), 0) {
				continue
			}
			got := fromFloat64(float64(x) / float64(s))
			q := new(big.Rat).Quo(new(big.Rat).SetFloat64(float64(x)), new(big.Rat).SetFloat64(float64(s)))
			if want := refEncodeRat(q); got != want {
				t.Fatalf("fromFloat64(%v / %v) = %#02x; want %#02x (exact quotient %s)", x, s, uint8(got), uint8(want), q.FloatString(30))
			}
		}
	}
}

func TestFromFloat32Hostile(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	tests := []struct {
		x    float32
		want E4M3
	}{
		{0, 0x00},
		{negZero, 0x80},
		{1, 0x38},
		{-1, 0xB8},
		{448, 0x7E},
		{-448, 0xFE},
		{math.Nextafter32(448, 1e9), 0x7E},
		{449, 0x7E},
		{463.99, 0x7E},
		{464, 0x7E},
		{480, 0x7E},
		{1e30, 0x7E},
		{-1e30, 0xFE},
		{math.MaxFloat32, 0x7E},
		{-math.MaxFloat32, 0xFE},
		{float32(math.Inf(1)), 0x7E},
		{float32(math.Inf(-1)), 0xFE},
		{float32(math.NaN()), 0x7F},
		{math.Float32frombits(0xFFC00000), 0xFF}, // -NaN
		{math.Float32frombits(0x7F800001), 0x7F}, // signalling NaN, smallest payload
		{math.Float32frombits(0xFFFFFFFF), 0xFF},
		{432, 0x7E}, // midpoint of 416 and 448: tie to even 0x7E
		{431.99, 0x7D},
		{0x1p-9, 0x01},   // smallest subnormal
		{0x1p-10, 0x00},  // half of it: tie to even, 0
		{-0x1p-10, 0x80}, // to -0
		{0x1.0001p-10, 0x01},
		{3 * 0x1p-10, 0x02},     // 1.5 · 2^-9: tie to even 2 · 2^-9
		{0.9375 * 0x1p-6, 0x08}, // midpoint of the largest subnormal and the smallest normal: to 0x08 (even)
		{0x1p-6, 0x08},
		{math.SmallestNonzeroFloat32, 0x00},
		{-math.SmallestNonzeroFloat32, 0x80},
		{1.0625, 0x38}, // midpoint of 1 and 1.125: to even 1
		{1.1875, 0x3A}, // midpoint of 1.125 and 1.25: to even 1.25
		{0.1, 0x1D},    // 0.1 ≈ 1.6 · 2^-4: 1.625 · 2^-4 = 0.1015625
		{-3.3, 0xC5},   // -3.25
	}
	for _, tt := range tests {
		if got := FromFloat32(tt.x); got != tt.want {
			t.Errorf("FromFloat32(%v) = %#02x (%v); want %#02x (%v)", tt.x, uint8(got), got.Float32(), uint8(tt.want), tt.want.Float32())
		}
		checkEncode(t, tt.x)
	}
}

// halfUlp is half the E4M3 spacing at magnitude a (a ≤ 448·(1+2^-23)): 2^(e-4) with e the
// binade's exponent, clamped to the normals' smallest -6 (the subnormals are spaced 2^-9).
func halfUlp(a float64) float64 {
	if a == 0 {
		return 0x1p-10
	}
	_, exp := math.Frexp(a)
	return math.Ldexp(1, max(exp-1, -6)-4)
}

// checkRoundTrip quantises x and checks the shapes, the scales and the per-element error bound
// |x - x̂| ≤ scaleInv · halfUlp(x/scaleInv), plus float32 rounding of the product.
func checkRoundTrip(t *testing.T, x []float32, rows, cols int, b Block) (maxRel float64) {
	t.Helper()
	codes, scaleInv, err := Quantize(x, rows, cols, b)
	if err != nil {
		t.Fatalf("Quantize(%d×%d, block %v): %v", rows, cols, b, err)
	}
	sr, sc := (rows+b.Rows-1)/b.Rows, (cols+b.Cols-1)/b.Cols
	if len(codes) != rows*cols || len(scaleInv) != sr*sc {
		t.Fatalf("Quantize(%d×%d, block %v) gave %d codes, %d scales; want %d, %d", rows, cols, b, len(codes), len(scaleInv), rows*cols, sr*sc)
	}
	deq, err := Dequantize(codes, scaleInv, rows, cols, b)
	if err != nil {
		t.Fatalf("Dequantize(Quantize(%d×%d, block %v)): %v", rows, cols, b, err)
	}
	for bi := range sr {
		for bj := range sc {
			s := float64(scaleInv[bi*sc+bj])
			var amax float64
			for i := bi * b.Rows; i < min((bi+1)*b.Rows, rows); i++ {
				for j := bj * b.Cols; j < min((bj+1)*b.Cols, cols); j++ {
					amax = max(amax, math.Abs(float64(x[i*cols+j])))
				}
			}
			switch {
			case amax == 0 && s != 1:
				t.Errorf("%d×%d block %v: all-zero block [%d, %d] has scaleInv %v; want 1", rows, cols, b, bi, bj, s)
			case amax > 0x1p-126 && math.Abs(s-amax/448) > amax/448*0x1p-23:
				t.Errorf("%d×%d block %v: block [%d, %d] amax %v has scaleInv %v; want %v", rows, cols, b, bi, bj, amax, s, amax/448)
			case !(s > 0) || math.IsInf(s, 0):
				t.Errorf("%d×%d block %v: block [%d, %d] scaleInv %v", rows, cols, b, bi, bj, s)
			}
			for i := bi * b.Rows; i < min((bi+1)*b.Rows, rows); i++ {
				for j := bj * b.Cols; j < min((bj+1)*b.Cols, cols); j++ {
					k := i*cols + j
					xv, dv := float64(x[k]), float64(deq[k])
					y := math.Abs(xv / s)
					bound := s*halfUlp(y) + math.Abs(xv)*0x1p-23 + math.SmallestNonzeroFloat32
					errAbs := math.Abs(xv - dv)
					if errAbs > bound || math.IsNaN(dv) {
						t.Fatalf("%d×%d block %v: x[%d, %d] = %v -> code %#02x -> %v: error %v > bound %v (scaleInv %v)",
							rows, cols, b, i, j, xv, uint8(codes[k]), dv, errAbs, bound, s)
					}
					if math.Signbit(xv) != math.Signbit(dv) && dv != 0 {
						t.Fatalf("x[%d, %d] = %v dequantised to %v: sign flipped", i, j, xv, dv)
					}
					if x[k] == 0 && !same(x[k], deq[k]) {
						t.Fatalf("x[%d, %d] = %v dequantised to %v: zero sign lost", i, j, xv, dv)
					}
					if y >= 0x1p-6 && s >= 0x1p-126 {
						rel := errAbs / math.Abs(xv)
						if rel > 0x1p-4*(1+0x1p-20) {
							t.Fatalf("x[%d, %d] = %v -> %v: relative error %v > 2^-4", i, j, xv, dv, rel)
						}
						maxRel = max(maxRel, rel)
					}
				}
			}
		}
	}
	return maxRel
}

// randMatrix fills rows × cols with normal values whose scale changes every few rows and
// columns (so blocks differ), sprinkled with zeros, -0 and block-wide extremes.
func randMatrix(rng *rand.Rand, rows, cols int) []float32 {
	x := make([]float32, rows*cols)
	for i := range rows {
		for j := range cols {
			scale := math.Ldexp(1, (i/7+j/11)%40-20)
			v := float32(rng.NormFloat64() * scale)
			switch rng.IntN(50) {
			case 0:
				v = 0
			case 1:
				v = float32(math.Copysign(0, -1))
			case 2:
				v *= 1e-6 // deep in the subnormals after scaling
			}
			x[i*cols+j] = v
		}
	}
	return x
}

func TestQuantizeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		rows, cols int
		b          Block
	}{
		{1, 1, DefaultBlock()},
		{1, 130, DefaultBlock()},
		{129, 257, DefaultBlock()},
		{256, 128, DefaultBlock()},
		{3, 5, Block{2, 4}},
		{17, 9, Block{5, 3}},
		{10, 10, Block{1, 1}},
		{10, 10, Block{1000, 1000}},
		{1, 300, Block{1, 7}},
		{0, 5, DefaultBlock()},
		{5, 0, Block{2, 2}},
	}
	var worst float64
	for _, tt := range tests {
		x := randMatrix(rng, tt.rows, tt.cols)
		worst = max(worst, checkRoundTrip(t, x, tt.rows, tt.cols, tt.b))
	}
	t.Logf("largest relative error of normal-range elements: %.4g (bound 2^-4 = 0.0625)", worst)
}

// TestQuantizeExtremes: blocks at the edges of float32's range, all-zero blocks, -0.
func TestQuantizeExtremes(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	const tiny = math.SmallestNonzeroFloat32
	cases := [][]float32{
		{0, 0, 0, 0},
		{negZero, 0, negZero, negZero},
		{math.MaxFloat32, -math.MaxFloat32, 1, 0},
		{math.MaxFloat32, math.MaxFloat32 / 3, math.MaxFloat32 / 448, 1e30},
		{tiny, 0, -tiny, tiny},
		{600 * tiny, 7 * tiny, -599 * tiny, tiny},
		{0x1p-126, 0x1p-130, 3e-39, -0x1p-149},
		{1e-20, 448, -1e-3, 0.5},
		{448, 448, 448, 448},
	}
	for _, x := range cases {
		checkRoundTrip(t, x, 2, 2, Block{2, 2})
		checkRoundTrip(t, x, 1, 4, Block{1, 4})
		checkRoundTrip(t, x, 4, 1, Block{3, 1})
	}
	// amax among the largest float32s: 448·scaleInv must not overflow.
	for bits := uint32(0x7F7FFFFF); bits > 0x7F7FFFFF-4096; bits-- {
		amax := math.Float32frombits(bits)
		checkRoundTrip(t, []float32{amax, -amax / 2, amax / 3}, 1, 3, DefaultBlock())
	}
	// The block's largest element lands on ±448, and a block [amax, amax/2, ...] decodes exactly.
	codes, s, err := Quantize([]float32{3, -1.5, 0.75, 0}, 1, 4, DefaultBlock())
	if err != nil || s[0] != 3.0/448 || codes[0] != 0x7E || codes[1] != 0xF6 || codes[2] != 0x6E || codes[3] != 0 {
		t.Errorf("Quantize([3 -1.5 0.75 0]) = %x, %v, %v; want [7e f6 6e 0], [%v], nil", codes, s, err, float32(3.0/448))
	}
}

func TestQuantizeErrors(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	tests := []struct {
		name       string
		x          []float32
		rows, cols int
		b          Block
		want       string
	}{
		{"zero block", []float32{1}, 1, 1, Block{0, 128}, "fp8: quantize: block 0×128: sizes must be positive"},
		{"negative block", []float32{1}, 1, 1, Block{128, -1}, "block 128×-1: sizes must be positive"},
		{"negative rows", []float32{1}, -1, -1, DefaultBlock(), "shape [-1, -1] has a negative dimension"},
		{"length mismatch", []float32{1, 2, 3}, 2, 2, DefaultBlock(), "shape [2, 2] has 4 elements, x has 3"},
		{"nil for 1x1", nil, 1, 1, DefaultBlock(), "shape [1, 1] has 1 elements, x has 0"},
		{"overflow", []float32{1}, math.MaxInt / 2, 3, DefaultBlock(), "overflows int"},
		{"NaN", []float32{1, 2, 3, nan, 5, 6}, 2, 3, DefaultBlock(), "fp8: quantize: x[1, 0] is NaN"},
		{"+Inf", []float32{1, 2, 3, 4, 5, inf}, 2, 3, DefaultBlock(), "x[1, 2] is +Inf"},
		{"-Inf vector", []float32{1, -inf}, 1, 2, DefaultBlock(), "x[0, 1] is -Inf"},
	}
	for _, tt := range tests {
		codes, s, err := Quantize(tt.x, tt.rows, tt.cols, tt.b)
		if err == nil || !strings.Contains(err.Error(), tt.want) || codes != nil || s != nil {
			t.Errorf("%s: Quantize(%v, %d, %d, %v) = %v, %v, %v; want error containing %q", tt.name, tt.x, tt.rows, tt.cols, tt.b, codes, s, err, tt.want)
		}
	}
}

func TestDequantizeErrors(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name       string
		codes      []E4M3
		s          []float32
		rows, cols int
		b          Block
		want       string
	}{
		{"zero block", []E4M3{1}, []float32{1}, 1, 1, Block{1, 0}, "fp8: dequantize: block 1×0: sizes must be positive"},
		{"length mismatch", []E4M3{1, 2}, []float32{1}, 1, 3, DefaultBlock(), "shape [1, 3] has 3 elements, codes has 2"},
		{"scale count", []E4M3{1, 2, 3, 4}, []float32{1}, 2, 2, Block{1, 2}, "scaleInv has 1 values, want 2×1 = 2"},
		{"scale too many", []E4M3{1}, []float32{1, 1}, 1, 1, DefaultBlock(), "scaleInv has 2 values, want 1×1 = 1"},
		{"NaN scale", []E4M3{1, 2, 3, 4}, []float32{1, nan}, 2, 2, Block{1, 2}, "scaleInv[1, 0] is NaN"},
		{"Inf scale", []E4M3{1, 2, 3, 4}, []float32{1, float32(math.Inf(1))}, 2, 2, Block{2, 1}, "scaleInv[0, 1] is +Inf"},
		{"negative scale", []E4M3{1}, []float32{-1}, 1, 1, DefaultBlock(), "scaleInv[0, 0] is -1; want finite and non-negative"},
		{"NaN code", []E4M3{1, 2, 3, 0xFF}, []float32{1}, 2, 2, DefaultBlock(), "codes[1, 1] is NaN (0xff)"},
		{"NaN code zero scale", []E4M3{0x7F}, []float32{0}, 1, 1, DefaultBlock(), "codes[0, 0] is NaN (0x7f)"},
		{"overflow", []E4M3{0x38, 0x7E}, []float32{1e37}, 1, 2, DefaultBlock(), "codes[0, 1] = 448 times scaleInv 1e+37 overflows float32"},
	}
	for _, tt := range tests {
		x, err := Dequantize(tt.codes, tt.s, tt.rows, tt.cols, tt.b)
		if err == nil || !strings.Contains(err.Error(), tt.want) || x != nil {
			t.Errorf("%s: Dequantize(%x, %v, %d, %d, %v) = %v, %v; want error containing %q", tt.name, tt.codes, tt.s, tt.rows, tt.cols, tt.b, x, err, tt.want)
		}
	}
	// A zero scale is accepted: the block decodes to zeros.
	x, err := Dequantize([]E4M3{0x38, 0xB8}, []float32{0}, 1, 2, DefaultBlock())
	if err != nil || x[0] != 0 || x[1] != 0 {
		t.Errorf("Dequantize(zero scale) = %v, %v; want [0 -0], nil", x, err)
	}
}

func TestMatrixShape(t *testing.T) {
	tests := []struct {
		shape      []int
		rows, cols int
		err        string
	}{
		{[]int{5}, 1, 5, ""},
		{[]int{0}, 1, 0, ""},
		{[]int{3, 4}, 3, 4, ""},
		{nil, 0, 0, "shape [] has rank 0"},
		{[]int{1, 2, 3}, 0, 0, "rank 3"},
		{[]int{-1}, 0, 0, "negative dimension"},
		{[]int{2, -3}, 0, 0, "negative dimension"},
	}
	for _, tt := range tests {
		r, c, err := MatrixShape(tt.shape)
		if tt.err == "" && (err != nil || r != tt.rows || c != tt.cols) ||
			tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("MatrixShape(%v) = %d, %d, %v; want %d, %d, %q", tt.shape, r, c, err, tt.rows, tt.cols, tt.err)
		}
	}
	if r, c := DefaultBlock().ScaleShape(129, 257); r != 2 || c != 3 {
		t.Errorf("DefaultBlock().ScaleShape(129, 257) = %d, %d; want 2, 3", r, c)
	}
}

// FuzzFromFloat32 checks FromFloat32 against the search-based reference for arbitrary float32
// bits, that the code survives Float32 and back, and that any byte survives Float32 and back.
func FuzzFromFloat32(f *testing.F) {
	for _, x := range []float32{0, 1, -1, 448, 449, 464, 0x1p-10, 1e-45, 3.4e38, 0.1} {
		f.Add(math.Float32bits(x), uint8(0))
	}
	f.Add(uint32(0x7FC00000), uint8(0x7F))
	f.Add(uint32(0xFF800000), uint8(0xFF))
	f.Fuzz(func(t *testing.T, bits uint32, b uint8) {
		x := math.Float32frombits(bits)
		c := FromFloat32(x)
		if want := refEncode(x); c != want {
			t.Fatalf("FromFloat32(%v [%#08x]) = %#02x; want %#02x", x, bits, uint8(c), uint8(want))
		}
		v := c.Float32()
		if FromFloat32(v) != c {
			t.Fatalf("FromFloat32(%v) = %#02x, whose value %v encodes to %#02x", x, uint8(c), v, uint8(FromFloat32(v)))
		}
		if !math.IsNaN(float64(x)) && (math.Abs(float64(v)) > Max || math.Signbit(float64(v)) != math.Signbit(float64(x))) {
			t.Fatalf("FromFloat32(%v) = %v: out of range or sign lost", x, v)
		}
		if got := FromFloat32(E4M3(b).Float32()); got != E4M3(b) {
			t.Fatalf("FromFloat32(E4M3(%#02x).Float32()) = %#02x", b, uint8(got))
		}
	})
}

func benchMatrix() []float32 {
	return randMatrix(rand.New(rand.NewPCG(7, 8)), 512, 128)
}

func BenchmarkQuantize512x128(b *testing.B) {
	x := benchMatrix()
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		if _, _, err := Quantize(x, 512, 128, DefaultBlock()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDequantize512x128(b *testing.B) {
	codes, s, err := Quantize(benchMatrix(), 512, 128, DefaultBlock())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(4 * len(codes)))
	for b.Loop() {
		if _, err := Dequantize(codes, s, 512, 128, DefaultBlock()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromFloat32(b *testing.B) {
	x := benchMatrix()
	var sink E4M3
	for b.Loop() {
		for _, v := range x {
			sink ^= FromFloat32(v)
		}
	}
	_ = sink
}
