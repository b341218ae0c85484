package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// hostile are inputs every element-wise function must get right: zeros of both signs,
// denormals, the edges of exp's range, huge values, infinities and NaN.
var hostile = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5,
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-40, -1e-40, 1.1754942e-38, -1e-30, 1e-30,
	1e-7, -1e-7, 0.3465736, -0.3465736, 0.34657362, 0.6931472, -0.6931472,
	10, -10, 11, -11, 13, -13, 20, -20, 50, -50,
	-87.33, -87.34, -88, -100, -103.9, -103.97, -103.98, -104, -105, -200,
	88, 88.37, 88.72, 88.7228, 88.723, 89, 90, 200,
	1e10, -1e10, 1e13, -1e13, 1e20, -1e20, math.MaxFloat32, -math.MaxFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
}

// testInputs returns the hostile values, a fine sweep of [-110, 95] and random values of every
// magnitude.
func testInputs() []float32 {
	x := append([]float32(nil), hostile...)
	for v := -110.0; v <= 95; v += 0.0137 {
		x = append(x, float32(v))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		x = append(x, math.Float32frombits(rng.Uint32())) // every exponent, NaN payloads included
		x = append(x, float32(rng.NormFloat64()*3))
	}
	return x
}

// ulps is the distance between a and b in units in the last place (0 for equal values,
// including 0 and -0 and two NaNs).
func ulps(a, b float32) float64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.Inf(1)
	}
	if a == b {
		return 0
	}
	key := func(f float32) int64 {
		u := int64(math.Float32bits(f))
		if u&(1<<31) != 0 {
			return -(u &^ (1 << 31))
		}
		return u
	}
	d := key(a) - key(b)
	if d < 0 {
		d = -d
	}
	return float64(d)
}

// within reports whether got is within abs + rel·|want| of want, or both are NaN, or both are the
// same infinity.
func within(got float32, want, abs, rel float64) bool {
	g := float64(got)
	switch {
	case math.IsNaN(want) || math.IsNaN(g):
		return math.IsNaN(want) && math.IsNaN(g)
	case math.IsInf(want, 0) || math.IsInf(g, 0):
		return g == want
	}
	return math.Abs(g-want) <= abs+rel*math.Abs(want)
}

func refExp(x float32) float64 { return math.Exp(float64(x)) }

// refZ is GELU's z in float64.
func refZ(u float64) float64 { return 2 * geluC * (u + geluA*u*u*u) }

func refGELU(x float32) float64 {
	u := float64(x)
	switch {
	case math.IsInf(u, 1):
		return u
	case math.IsInf(u, -1):
		return 0
	}
	return u / (1 + math.Exp(-refZ(u)))
}

// refGELUGrad returns GELU'(u) and the size of its two terms, |s| + |u s (1-s) dz/du|.
func refGELUGrad(x float32) (g, scale float64) {
	u := float64(x)
	switch {
	case math.IsNaN(u):
		return u, 0
	case math.IsInf(u, 1):
		return 1, 1
	case math.IsInf(u, -1):
		return 0, 0
	}
	e := math.Exp(-refZ(u))
	if math.IsInf(e, 1) {
		return 0, 0
	}
	s := 1 / (1 + e)
	q := u * s * (e * s) * 2 * geluC * (1 + 3*geluA*u*u)
	return s + q, math.Abs(s) + math.Abs(q)
}

// TestExpAccuracy holds every implementation to float64's exp: within 2 ulp of the correctly
// rounded result, and exactly at the special values.
func TestExpAccuracy(t *testing.T) {
	x := testInputs()
	for _, vs := range vecSets() {
		got := make([]float32, len(x))
		vs.exp(got, x)
		worst := 0.0
		for i, v := range x {
			want := refExp(v)
			d := ulps(got[i], float32(want))
			if float32(want) == 0 || math.Abs(want) < 1.2e-38 { // denormal results: absolute
				if !within(got[i], want, 1.5e-45, 2.5e-7) {
					t.Errorf("%s: Exp(%g) = %g; want %g", vs.name, v, got[i], want)
				}
				continue
			}
			worst = max(worst, d)
			if d > 2 {
				t.Errorf("%s: Exp(%g) = %g; want %g (%g ulp)", vs.name, v, got[i], want, d)
			}
		}
		t.Logf("%s: worst error %g ulp", vs.name, worst)
	}
}

// TestGELUAccuracy holds GELU to its float64 value. The error grows with |z|, because rounding
// u + 0.044715u³ to float32 moves e^(-z) by a relative |z|·2⁻²⁴; the float32 scalar code it
// replaced had the same.
func TestGELUAccuracy(t *testing.T) {
	x := testInputs()
	for _, vs := range vecSets() {
		got := make([]float32, len(x))
		vs.gelu(got, x)
		for i, v := range x {
			want := refGELU(v)
			z := math.Abs(refZ(float64(v)))
			if !within(got[i], want, 1e-36, 2.4e-7*(3+min(z, 200))) {
				t.Errorf("%s: GELU(%g) = %g; want %g", vs.name, v, got[i], want)
			}
		}
	}
}

func TestGELUGradAccuracy(t *testing.T) {
	x := testInputs()
	ones := make([]float32, len(x))
	for i := range ones {
		ones[i] = 1
	}
	for _, vs := range vecSets() {
		got := make([]float32, len(x))
		vs.geluGrad(got, x, ones)
		for i, v := range x {
			want, scale := refGELUGrad(v)
			z := math.Abs(refZ(float64(v)))
			tol := 2.4e-7*(4+min(z, 200))*scale + 1e-36 // 0 where e^(-z) overflows: |GELU'| < 1e-36 there
			if !within(got[i], want, tol, 0) {
				t.Errorf("%s: GELU'(%g) = %g; want %g (tolerance %g)", vs.name, v, got[i], want, tol)
			}
		}
	}
}

// TestGELUSpecial pins down the values the doc comments promise.
func TestGELUSpecial(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for _, tc := range []struct {
		u, gelu, grad float32
	}{
		{0, 0, 0.5},
		{inf, inf, 1},
		{-inf, 0, 0},
		{1e20, 1e20, 1},
		{-1e20, 0, 0},
		{math.MaxFloat32, math.MaxFloat32, 1},
		{-math.MaxFloat32, 0, 0},
		{-200, 0, 0},
		{nan, nan, nan},
	} {
		for _, vs := range vecSets() {
			for _, n := range []int{1, 8, 17} { // through the vector loop and the tail
				u := make([]float32, n)
				ones := make([]float32, n)
				for i := range u {
					u[i], ones[i] = tc.u, 1
				}
				y, g := make([]float32, n), make([]float32, n)
				vs.gelu(y, u)
				vs.geluGrad(g, u, ones)
				if ulps(y[n-1], tc.gelu) != 0 || ulps(g[n-1], tc.grad) != 0 {
					t.Errorf("%s, n=%d: GELU(%g), GELU'(%g) = %g, %g; want %g, %g", vs.name, n, tc.u, tc.u, y[n-1], g[n-1], tc.gelu, tc.grad)
				}
			}
		}
	}
}

// TestVecSetsAgree checks the assembly forms against the plain-Go one element by element:
// identical between the assembly forms, within an ulp (FMA's double rounding in Go) of plain Go.
func TestVecSetsAgree(t *testing.T) {
	x := testInputs()
	rng := rand.New(rand.NewPCG(3, 4))
	dy := make([]float32, len(x))
	for i := range dy {
		dy[i] = float32(rng.NormFloat64())
	}
	type outs struct{ exp, gelu, grad []float32 }
	run := func(vs *vecSet) outs {
		o := outs{make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))}
		vs.exp(o.exp, x)
		vs.gelu(o.gelu, x)
		vs.geluGrad(o.grad, x, dy)
		return o
	}
	sets := vecSets()
	if len(sets) < 2 {
		t.Skip("only the plain-Go vector kernels on this CPU: nothing to compare")
	}
	want := run(genericVec)
	var first *outs
	for _, vs := range sets {
		if vs == genericVec {
			continue
		}
		got := run(vs)
		for i, v := range x {
			for _, c := range []struct {
				name      string
				got, want float32
			}{{"Exp", got.exp[i], want.exp[i]}, {"GELU", got.gelu[i], want.gelu[i]}, {"GELUGrad", got.grad[i], want.grad[i]}} {
				if d := ulps(c.got, c.want); d > 1 && !(math.Abs(float64(c.want)) < 1e-36 && math.Abs(float64(c.got-c.want)) < 1e-40) {
					t.Errorf("%s vs generic: %s(%g) = %g, %g (%g ulp)", vs.name, c.name, v, c.got, c.want, d)
				}
			}
		}
		if first == nil {
			first = &got
			continue
		}
		for i, v := range x {
			if ulps(got.exp[i], first.exp[i]) != 0 || ulps(got.gelu[i], first.gelu[i]) != 0 || ulps(got.grad[i], first.grad[i]) != 0 {
				t.Errorf("%s vs %s at %g: %g %g %g vs %g %g %g", vs.name, sets[0].name, v,
					got.exp[i], got.gelu[i], got.grad[i], first.exp[i], first.gelu[i], first.grad[i])
			}
		}
	}
}

// TestVecLengths runs every length from 0 to 40 and a few more, offset inside a larger buffer:
// the functions write dst[:n] and nothing around it, and in-place calls give the same results.
func TestVecLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lengths := []int{63, 64, 65, 127, 1000, 1023}
	for n := 0; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	const pad = 19
	sentinel := float32(-12345)
	for _, vs := range vecSets() {
		for _, n := range lengths {
			u := make([]float32, n)
			dy := make([]float32, n)
			for i := range u {
				u[i] = float32(rng.NormFloat64() * 4)
				dy[i] = float32(rng.NormFloat64())
			}
			for _, f := range []struct {
				name string
				run  func(dst []float32)
				one  func(i int) float32
			}{
				{"Exp", func(d []float32) { vs.exp(d, u) }, func(i int) float32 { return exp32(u[i]) }},
				{"GELU", func(d []float32) { vs.gelu(d, u) }, func(i int) float32 { return gelu32(u[i]) }},
				{"GELUGrad", func(d []float32) { vs.geluGrad(d, u, dy) }, func(i int) float32 { return geluGrad32(u[i], dy[i]) }},
			} {
				buf := make([]float32, n+2*pad)
				for i := range buf {
					buf[i] = sentinel
				}
				f.run(buf[pad : pad+n])
				for i := range buf {
					if i >= pad && i < pad+n {
						if d := ulps(buf[i], f.one(i-pad)); d > 1 {
							t.Errorf("%s %s n=%d: element %d = %g, want %g", vs.name, f.name, n, i-pad, buf[i], f.one(i-pad))
						}
					} else if buf[i] != sentinel {
						t.Errorf("%s %s n=%d: wrote %g at offset %d outside dst", vs.name, f.name, n, buf[i], i-pad)
					}
				}
			}
			// In place.
			want := make([]float32, n)
			vs.gelu(want, u)
			got := append([]float32(nil), u...)
			vs.gelu(got, got)
			wantG := make([]float32, n)
			vs.geluGrad(wantG, u, dy)
			gotG := append([]float32(nil), dy...)
			vs.geluGrad(gotG, u, gotG)
			wantE := make([]float32, n)
			vs.exp(wantE, u)
			gotE := append([]float32(nil), u...)
			vs.exp(gotE, gotE)
			for i := range u {
				if ulps(got[i], want[i]) != 0 || ulps(gotG[i], wantG[i]) != 0 || ulps(gotE[i], wantE[i]) != 0 {
					t.Fatalf("%s n=%d: in-place result differs at %d", vs.name, n, i)
				}
			}
		}
	}
}

func TestVecPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Exp", func() { Exp(make([]float32, 3), make([]float32, 4)) }},
		{"GELU", func() { GELU(make([]float32, 5), make([]float32, 4)) }},
		{"GELUGrad/dst", func() { GELUGrad(make([]float32, 3), make([]float32, 4), make([]float32, 4)) }},
		{"GELUGrad/dy", func() { GELUGrad(make([]float32, 4), make([]float32, 4), make([]float32, 3)) }},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s with mismatched lengths did not panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
	Exp(nil, nil) // empty is fine
	GELU(nil, nil)
	GELUGrad(nil, nil, nil)
}

func BenchmarkVec(b *testing.B) {
	const n = 1 << 16
	rng := rand.New(rand.NewPCG(7, 8))
	u, dy, dst := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range u {
		u[i] = float32(rng.NormFloat64() * 2)
		dy[i] = float32(rng.NormFloat64())
	}
	for _, vs := range vecSets() {
		for _, f := range []struct {
			name string
			run  func()
		}{
			{"Exp", func() { vs.exp(dst, u) }},
			{"GELU", func() { vs.gelu(dst, u) }},
			{"GELUGrad", func() { vs.geluGrad(dst, u, dy) }},
		} {
			b.Run(fmt.Sprintf("%s/%s", f.name, vs.name), func(b *testing.B) {
				b.SetBytes(4 * n)
				for b.Loop() {
					f.run()
				}
			})
		}
	}
}
