package kernel

import "math"

// The plain-Go form of Exp, GELU and GELUGrad, step for step as the assembly computes them
// (gen_vecmath.go): the same constants, the same order of operations, fused multiply-adds where
// the assembly has them (math.FMA, rounded to float32 after), and the same handling of
// infinities and NaN.

const (
	expLo    = -104 // e^-104 is below half the smallest denormal: the result rounds to 0
	expHi    = 89   // e^89 overflows
	expLog2e = 1.44269504088896341
	expLn2Hi = 0.693359375 // ln 2 in two parts, for an exact reduction
	expLn2Lo = -2.12194440e-4
	expC0    = 1.9875691500e-4 // Cephes' expf polynomial
	expC1    = 1.3981999507e-3
	expC2    = 8.3334519073e-3
	expC3    = 4.1665795894e-2
	expC4    = 1.6666665459e-1
	expC5    = 5.0000001201e-1

	geluC = 0.7978845608028654 // sqrt(2/π)
	geluA = 0.044715
	// -z = u·(geluM0 + geluM1·u²), dz/du = geluK0 + geluK1x3·u².
	geluM0   = -2 * geluC
	geluM1   = -2 * geluC * geluA
	geluK0   = 2 * geluC
	geluK1x3 = 3 * 2 * geluC * geluA
)

// fma32 is a·b + c rounded once to float64 and then to float32, which differs from a float32
// fused multiply-add only in rare double-rounding cases.
func fma32(a, b, c float32) float32 {
	return float32(math.FMA(float64(a), float64(b), float64(c)))
}

// exp32 is one element of Exp.
func exp32(x float32) float32 {
	t := min(max(x, expLo), expHi) // NaN stays NaN
	if t != t {
		return t
	}
	n := float32(math.RoundToEven(float64(float32(t * expLog2e))))
	r := fma32(-n, expLn2Hi, t)
	r = fma32(-n, expLn2Lo, r)
	y := float32(expC0)
	y = fma32(y, r, expC1)
	y = fma32(y, r, expC2)
	y = fma32(y, r, expC3)
	y = fma32(y, r, expC4)
	y = fma32(y, r, expC5)
	y = fma32(y, float32(r*r), r)
	y = float32(y + 1)
	// y·2^n as two normal factors 2^h·2^(n-h), n in [-150, 128], so that the product overflows
	// to +Inf and underflows through the denormals with a single rounding.
	ni := int32(n)
	h := ni >> 1
	y = float32(y * math.Float32frombits(uint32(h+127)<<23))
	return float32(y * math.Float32frombits(uint32(ni-h+127)<<23))
}

// geluExp returns u² and e^(-z) for GELU's z at u.
func geluExp(u float32) (u2, e float32) {
	u2 = float32(u * u)
	return u2, exp32(float32(u * fma32(geluM1, u2, geluM0)))
}

// gelu32 is one element of GELU.
func gelu32(u float32) float32 {
	_, e := geluExp(u)
	if math.IsInf(float64(e), 1) {
		return 0
	}
	return u / float32(e+1)
}

// geluGrad32 is one element of GELUGrad.
func geluGrad32(u, dy float32) float32 {
	u2, e := geluExp(u)
	s := 1 / float32(e+1)
	dz := fma32(geluK1x3, u2, geluK0)
	q := float32(s * e) // 1 - s
	q = float32(q * s)
	q = float32(q * u)
	q = float32(q * dz)
	if q != q {
		q = 0
	}
	return float32(float32(s+q) * dy)
}

func expGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = exp32(v)
	}
}

func geluGeneric(dst, u []float32) {
	dst = dst[:len(u)]
	for i, v := range u {
		dst[i] = gelu32(v)
	}
}

func geluGradGeneric(dst, u, dy []float32) {
	dst, dy = dst[:len(u)], dy[:len(u)]
	for i, v := range u {
		dst[i] = geluGrad32(v, dy[i])
	}
}
