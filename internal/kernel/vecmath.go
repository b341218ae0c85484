package kernel

import "fmt"

//go:generate go run gen_vecmath.go

// Element-wise float32 functions for the transformer's non-linearities, vectorised like Sgemm:
// AVX-512 or AVX2 with FMA when the CPU has them (chosen once, at start-up), plain Go otherwise
// and under the purego build tag. Every form computes the same steps (vecmath_generic.go spells
// them out), so they agree to an ulp or two (bit for bit between the two assembly forms).

// Exp sets dst[i] = e^x[i] for every i. It is Cephes' expf: x = n ln 2 + r with n an integer
// (rounded to nearest) and |r| ≤ ln2/2, e^r by a degree-7 polynomial, scaled by 2^n. Its error is
// about 1 ulp. It overflows to +Inf above ln(MaxFloat32) ≈ 88.72, underflows gradually through
// the denormals to 0 below about -103.97, and returns NaN for NaN.
//
// dst and x must have the same length; dst may be x (in place), but must not overlap it
// otherwise. Exp panics on a length mismatch.
func Exp(dst, x []float32) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("kernel: Exp: len(dst) = %d, len(x) = %d", len(dst), len(x)))
	}
	activeVec.exp(dst, x)
}

// GELU sets dst[i] = GELU(u[i]) for GELU's tanh form
//
//	GELU(u) = u/2 · (1 + tanh(sqrt(2/π) (u + 0.044715 u³))) = u / (1 + e^(-z)),
//	z = 2 sqrt(2/π) (u + 0.044715 u³),
//
// with e^(-z) as in Exp. GELU(+Inf) = +Inf, GELU(-Inf) = 0, GELU(NaN) = NaN, and GELU(u) = 0 (or
// -0) wherever e^(-z) overflows (u below about -10, where |GELU(u)| < 1e-37).
//
// dst and u must have the same length; dst may be u (in place), but must not overlap it
// otherwise. GELU panics on a length mismatch.
func GELU(dst, u []float32) {
	if len(dst) != len(u) {
		panic(fmt.Sprintf("kernel: GELU: len(dst) = %d, len(u) = %d", len(dst), len(u)))
	}
	activeVec.gelu(dst, u)
}

// GELUGrad sets dst[i] = dy[i] · GELU'(u[i]), the chain rule through GELU, with s = σ(z) =
// 1/(1 + e^(-z)):
//
//	GELU'(u) = s + u s (1 - s) dz/du,  dz/du = 2 sqrt(2/π) (1 + 3·0.044715 u²),
//
// where 1 - s is computed as s e^(-z), accurate also when s is near 1. Where the second term is
// 0·Inf (u infinite, or u² overflowing) it is taken as its limit 0, so GELU'(+Inf) = 1 and
// GELU'(-Inf) = 0; GELU'(u) is 0 wherever e^(-z) overflows (u below about -10, where
// |GELU'(u)| < 1e-36). NaN in u or dy gives NaN.
//
// dst, u and dy must have the same length; dst may be u or dy, but must not overlap them
// otherwise. GELUGrad panics on a length mismatch.
func GELUGrad(dst, u, dy []float32) {
	if len(dst) != len(u) || len(dy) != len(u) {
		panic(fmt.Sprintf("kernel: GELUGrad: len(dst) = %d, len(u) = %d, len(dy) = %d", len(dst), len(u), len(dy)))
	}
	activeVec.geluGrad(dst, u, dy)
}

// vecSet is one implementation of the element-wise functions, on slices of equal length.
type vecSet struct {
	name     string
	exp      func(dst, x []float32)
	gelu     func(dst, u []float32)
	geluGrad func(dst, u, dy []float32)
}

// activeVec is the fastest set this CPU runs.
var activeVec = vecSets()[0]

var genericVec = &vecSet{name: "generic", exp: expGeneric, gelu: geluGeneric, geluGrad: geluGradGeneric}
