package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// refSgemm is the obvious triple loop, accumulating in float64. It returns
// C and, per element, sum |alpha·A(i,p)·B(p,j)| + |beta·C(i,j)|, which
// scales the rounding error any float32 summation order may make.
func refSgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, mag []float64) {
	want = make([]float64, len(c))
	mag = make([]float64, len(c))
	for i, v := range c {
		want[i] = float64(v)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if tA == blas.NoTrans {
					av = a[i*lda+p]
				} else {
					av = a[p*lda+i]
				}
				if tB == blas.NoTrans {
					bv = b[p*ldb+j]
				} else {
					bv = b[j*ldb+p]
				}
				s += float64(av) * float64(bv)
				sa += math.Abs(float64(av) * float64(bv))
			}
			ci := i*ldc + j
			cv := 0.0
			if beta != 0 {
				cv = float64(beta) * float64(c[ci])
			}
			if alpha == 0 {
				s, sa = 0, 0
			}
			want[ci] = float64(alpha)*s + cv
			mag[ci] = math.Abs(float64(alpha))*sa + math.Abs(cv)
		}
	}
	return want, mag
}

// gemmCase is one Sgemm call; pad* are the extra columns of each
// leading dimension.
type gemmCase struct {
	tA, tB           blas.Transpose
	m, n, k          int
	alpha, beta      float32
	padA, padB, padC int
	nanC             bool
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("%c%c/%dx%dx%d/alpha=%g/beta=%g/pad=%d,%d,%d/nan=%v",
		tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.padA, tc.padB, tc.padC, tc.nanC)
}

// operands returns random A, B and C for tc with their leading
// dimensions. Elements outside the matrices are NaN so that any stray
// read or write shows.
func (tc gemmCase) operands(rng *rand.Rand) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := tc.m, tc.k
	if tc.tA != blas.NoTrans {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.tB != blas.NoTrans {
		br, bc = tc.n, tc.k
	}
	fill := func(rows, cols, pad int) ([]float32, int) {
		ld := max(1, cols+pad)
		s := make([]float32, rows*ld)
		for i := range s {
			if i%ld < cols {
				s[i] = float32(rng.NormFloat64())
			} else {
				s[i] = float32(math.NaN())
			}
		}
		return s, ld
	}
	a, lda = fill(ar, ac, tc.padA)
	b, ldb = fill(br, bc, tc.padB)
	c, ldc = fill(tc.m, tc.n, tc.padC)
	if tc.nanC {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	return a, lda, b, ldb, c, ldc
}

// check runs tc through Implementation.Sgemm and reports any element of C
// that differs from refSgemm by more than float32 rounding allows, and any
// change outside C's m×n window.
func (tc gemmCase) check(t testing.TB, rng *rand.Rand) {
	t.Helper()
	a, lda, b, ldb, c, ldc := tc.operands(rng)
	want, mag := refSgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	orig := append([]float32(nil), c...)
	Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	const eps = 1.0 / (1 << 23)
	bad := 0
	for idx, got := range c {
		i, j := idx/ldc, idx%ldc
		if j >= tc.n {
			if math.Float32bits(got) != math.Float32bits(orig[idx]) {
				t.Errorf("%v (%s): C[%d,%d] outside the matrix changed to %v", tc, activeKernels.name, i, j, got)
				return
			}
			continue
		}
		tol := 2*float64(tc.k+2)*eps*mag[idx] + 1e-30
		if d := math.Abs(float64(got) - want[idx]); !(d <= tol) {
			if bad++; bad <= 3 {
				t.Errorf("%v (%s): C[%d,%d] = %v; want %v (tolerance %.3g)", tc, activeKernels.name, i, j, got, want[idx], tol)
			}
		}
	}
}

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans}

// withKernels runs f once for each kernel set this CPU supports, with the
// set installed as activeKernels.
func withKernels(t *testing.T, f func(t *testing.T)) {
	saved := activeKernels
	defer func() { activeKernels = saved }()
	for _, ks := range kernelSets() {
		activeKernels = ks
		t.Run(ks.name, f)
	}
}

// withBlocking runs f under the default blocking parameters and under tiny
// ones that split every test shape into several k and n blocks, read B in
// place or not, and go parallel.
func withBlocking(t *testing.T, f func(t *testing.T)) {
	saved := [...]int{blockK, blockN, directBRows, parallelFlops}
	defer func() {
		blockK, blockN, directBRows, parallelFlops = saved[0], saved[1], saved[2], saved[3]
	}()
	t.Run("default", f)
	blockK, blockN, directBRows, parallelFlops = 8, 64, 0, 0
	t.Run("tiny", f)
	blockK, blockN, directBRows, parallelFlops = 5, 64, 1<<30, 1<<62
	t.Run("direct", f)
}

func TestSgemmShapes(t *testing.T) {
	shapes := [][3]int{
		{1, 1, 1}, {1, 1, 7}, {7, 13, 5}, {13, 7, 1}, {17, 33, 65}, {12, 32, 32},
		{6, 16, 9}, {25, 70, 3}, {1, 100, 40}, {50, 1, 30}, {37, 31, 300}, {130, 65, 17},
		{1, 128, 3}, {1, 300, 33}, {1, 400, 9}, {2, 300, 7},
	}
	type ab struct{ alpha, beta float32 }
	scalars := []ab{{1, 0}, {1, 1}, {-0.5, 2}, {0, 2}, {0, 0}, {2, -1}}
	withKernels(t, func(t *testing.T) {
		withBlocking(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			for si, s := range shapes {
				for _, tA := range transposes {
					for _, tB := range transposes {
						for i, sc := range scalars {
							pad := (si + i) % 3 * 3
							tc := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], alpha: sc.alpha, beta: sc.beta,
								padA: pad, padB: (pad + 1) % 4, padC: pad / 2, nanC: sc.beta == 0}
							tc.check(t, rng)
						}
					}
				}
			}
		})
	})
}

// TestSgemmConjTrans checks that ConjTrans means Trans for real matrices.
func TestSgemmConjTrans(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []gemmCase{
		{tA: blas.ConjTrans, tB: blas.NoTrans, m: 9, n: 40, k: 11, alpha: 1},
		{tA: blas.NoTrans, tB: blas.ConjTrans, m: 9, n: 40, k: 11, alpha: 1, beta: 1},
	} {
		a, lda, b, ldb, c, ldc := tc.operands(rng)
		got := append([]float32(nil), c...)
		Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
		gonum.Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
		for i := range c {
			if d := math.Abs(float64(got[i] - c[i])); d > 1e-4 {
				t.Fatalf("%v: C[%d] = %v; gonum says %v", tc, i, got[i], c[i])
			}
		}
	}
}

// TestSgemmEmpty checks the quick returns: C is untouched when m or n is
// zero and scaled by beta when k or alpha is zero.
func TestSgemmEmpty(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		m, n, k     int
		alpha, beta float32
		c, want     []float32
	}{
		{0, 2, 3, 1, 0, []float32{nan}, []float32{nan}},
		{2, 0, 3, 1, 0, []float32{nan}, []float32{nan}},
		{1, 2, 0, 1, 0, []float32{nan, nan}, []float32{0, 0}},
		{1, 2, 0, 1, 3, []float32{1, 2}, []float32{3, 6}},
		{1, 2, 3, 0, 0, []float32{nan, 5}, []float32{0, 0}},
		{1, 2, 3, 0, 1, []float32{nan, 5}, []float32{nan, 5}},
	} {
		a := make([]float32, tc.m*tc.k)
		b := make([]float32, tc.k*tc.n)
		c := append([]float32(nil), tc.c...)
		Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, tc.m, tc.n, tc.k, tc.alpha, a, max(1, tc.k), b, max(1, tc.n), tc.beta, c, max(1, tc.n))
		for i := range c {
			if g, w := c[i], tc.want[i]; g != w && !(g != g && w != w) {
				t.Errorf("Sgemm(m=%d n=%d k=%d alpha=%v beta=%v) C = %v; want %v", tc.m, tc.n, tc.k, tc.alpha, tc.beta, c, tc.want)
				break
			}
		}
	}
}

// panicMessage returns what f panics with, or "" if it returns.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestSgemmPanics checks that bad arguments panic with gonum's messages.
func TestSgemmPanics(t *testing.T) {
	type args struct {
		tA, tB        blas.Transpose
		m, n, k       int
		lda, ldb, ldc int
		la, lb, lc    int
	}
	ok := args{tA: blas.NoTrans, tB: blas.NoTrans, m: 3, n: 4, k: 5, lda: 5, ldb: 4, ldc: 4, la: 15, lb: 20, lc: 12}
	for _, tc := range []struct {
		name string
		edit func(*args)
	}{
		{"tA", func(a *args) { a.tA = 'X' }},
		{"tB", func(a *args) { a.tB = 0 }},
		{"m<0", func(a *args) { a.m = -1 }},
		{"n<0", func(a *args) { a.n = -1 }},
		{"k<0", func(a *args) { a.k = -1 }},
		{"lda", func(a *args) { a.lda = 4 }},
		{"ldaT", func(a *args) { a.tA, a.lda = blas.Trans, 2 }},
		{"ldb", func(a *args) { a.ldb = 3 }},
		{"ldbT", func(a *args) { a.tB, a.ldb = blas.Trans, 4 }},
		{"ldc", func(a *args) { a.ldc = 3 }},
		{"shortA", func(a *args) { a.la = 14 }},
		{"shortB", func(a *args) { a.lb = 19 }},
		{"shortC", func(a *args) { a.lc = 11 }},
		{"shortAT", func(a *args) { a.tA, a.lda, a.la = blas.Trans, 3, 14 }},
		{"shortBT", func(a *args) { a.tB, a.ldb, a.lb = blas.Trans, 5, 19 }},
		{"ok", func(a *args) {}},
	} {
		x := ok
		tc.edit(&x)
		call := func(impl blas.Float32) func() {
			return func() {
				impl.Sgemm(x.tA, x.tB, x.m, x.n, x.k, 1, make([]float32, x.la), x.lda, make([]float32, x.lb), x.ldb, 0, make([]float32, x.lc), x.ldc)
			}
		}
		got, want := panicMessage(call(Implementation{})), panicMessage(call(gonum.Implementation{}))
		if got != want {
			t.Errorf("%s: Sgemm panics with %q; gonum with %q", tc.name, got, want)
		}
		if tc.name != "ok" && got == "" {
			t.Errorf("%s: Sgemm did not panic", tc.name)
		}
	}
}

// TestKernelSetsAgree checks every kernel set, the pure-Go fallback
// included, against the first on a larger product.
func TestKernelSetsAgree(t *testing.T) {
	saved := activeKernels
	defer func() { activeKernels = saved }()
	sets := kernelSets()
	if len(sets) < 2 {
		t.Skipf("one kernel set on this CPU (%s): nothing to compare", sets[0].name)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []gemmCase{
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 97, n: 200, k: 300, alpha: 1},
		{tA: blas.Trans, tB: blas.Trans, m: 61, n: 45, k: 530, alpha: -0.5, beta: 1},
	} {
		a, lda, b, ldb, c, ldc := tc.operands(rng)
		var first []float32
		for _, ks := range sets {
			activeKernels = ks
			got := append([]float32(nil), c...)
			Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
			if first == nil {
				first = got
				continue
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - first[i])); d > 1e-3 {
					t.Fatalf("%v: C[%d] = %v with %s kernels; %v with %s", tc, i, got[i], ks.name, first[i], sets[0].name)
				}
			}
		}
	}
}

func FuzzSgemm(f *testing.F) {
	f.Add(uint8(7), uint8(13), uint8(5), uint8(0), uint8(1), uint8(0), uint64(1))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(3), uint8(0), uint8(2), uint64(2))
	f.Add(uint8(40), uint8(70), uint8(33), uint8(0x25), uint8(2), uint8(1), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, flags, pad, scalars uint8, seed uint64) {
		alphas := []float32{1, 0, -0.5, 3}
		betas := []float32{0, 1, 2, -1}
		tc := gemmCase{
			tA: transposes[flags&1], tB: transposes[flags>>1&1],
			m: int(m % 80), n: int(n) + int(m&0x80)*2, k: int(k % 80),
			alpha: alphas[scalars&3], beta: betas[scalars>>2&3],
			padA: int(pad & 3), padB: int(pad >> 2 & 3), padC: int(pad >> 4 & 3),
			nanC: flags&4 != 0,
		}
		if tc.beta != 0 {
			tc.nanC = false
		}
		saved := activeKernels
		defer func() { activeKernels = saved }()
		sets := kernelSets()
		activeKernels = sets[int(flags>>3)%len(sets)]
		tc.check(t, rand.New(rand.NewPCG(seed, 7)))
	})
}

// TestSgemv compares Sgemv with gonum's, which it is for all but the
// transposed unit-stride case, including the panics.
func TestSgemv(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	randn := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	nan := float32(math.NaN())
	for _, tc := range []struct {
		tA               blas.Transpose
		m, n, lda        int
		incX, incY       int
		alpha, beta      float32
		lenA, lenX, lenY int
		nanY             bool
	}{
		{blas.Trans, 37, 45, 45, 1, 1, 1, 0, 37 * 45, 37, 45, true},
		{blas.Trans, 37, 45, 50, 1, 1, -0.5, 2, 36*50 + 45, 37, 45, false},
		{blas.ConjTrans, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, false},
		{blas.Trans, 300, 33, 33, 1, 1, 0, 0, 300 * 33, 300, 33, true},
		{blas.Trans, 5, 7, 7, 2, 1, 1, 0, 35, 9, 7, false},
		{blas.NoTrans, 5, 7, 7, 1, 1, 1, 1, 35, 7, 5, false},
		{blas.Trans, 5, 7, 7, 1, 1, 1, 0, 34, 5, 7, false},
		{blas.Trans, 5, 7, 7, 1, 1, 1, 0, 35, 4, 7, false},
		{blas.Trans, 5, 7, 7, 1, 1, 1, 0, 35, 5, 6, false},
		{blas.Trans, 5, 7, 6, 1, 1, 1, 0, 35, 5, 7, false},
		{blas.Trans, -1, 7, 7, 1, 1, 1, 0, 35, 5, 7, false},
		{blas.Trans, 5, 7, 7, 0, 1, 1, 0, 35, 5, 7, false},
		{'Z', 5, 7, 7, 1, 1, 1, 0, 35, 5, 7, false},
		{blas.Trans, 0, 7, 7, 1, 1, 1, 0, 0, 0, 7, false},
	} {
		a, x, y := randn(tc.lenA), randn(tc.lenX), randn(tc.lenY)
		if tc.nanY {
			for i := range y {
				y[i] = nan
			}
		}
		got := append([]float32(nil), y...)
		gotPanic := panicMessage(func() {
			Implementation{}.Sgemv(tc.tA, tc.m, tc.n, tc.alpha, a, tc.lda, x, tc.incX, tc.beta, got, tc.incY)
		})
		wantPanic := panicMessage(func() {
			gonum.Implementation{}.Sgemv(tc.tA, tc.m, tc.n, tc.alpha, a, tc.lda, x, tc.incX, tc.beta, y, tc.incY)
		})
		if gotPanic != wantPanic {
			t.Errorf("Sgemv(%+v) panics with %q; gonum with %q", tc, gotPanic, wantPanic)
			continue
		}
		for i := range y {
			if d := math.Abs(float64(got[i] - y[i])); !(d <= 1e-4) && !(got[i] != got[i] && y[i] != y[i]) {
				t.Errorf("Sgemv(%+v) y[%d] = %v; gonum says %v", tc, i, got[i], y[i])
				break
			}
		}
	}
}

// TestSgemmConcurrent runs Sgemm from several goroutines at once, on
// products big enough to be split between goroutines themselves, and
// checks each against the same product computed alone. Every element is
// summed in the same order either way, so the results are identical.
func TestSgemmConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases := []gemmCase{
		{tA: blas.NoTrans, tB: blas.NoTrans, m: 1000, n: 256, k: 128, alpha: 1},
		{tA: blas.NoTrans, tB: blas.Trans, m: 999, n: 200, k: 170, alpha: 1, beta: 1},
		{tA: blas.Trans, tB: blas.NoTrans, m: 50, n: 300, k: 400, alpha: 2},
		{tA: blas.NoTrans, tB: blas.Trans, m: 3, n: 50, k: 70, alpha: 1},
	}
	type run struct {
		tc       gemmCase
		a, b, c  []float32
		lda, ldb int
		ldc      int
		want     []float32
	}
	runs := make([]run, len(cases))
	for i, tc := range cases {
		r := run{tc: tc}
		r.a, r.lda, r.b, r.ldb, r.c, r.ldc = tc.operands(rng)
		r.want = append([]float32(nil), r.c...)
		Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, r.a, r.lda, r.b, r.ldb, tc.beta, r.want, r.ldc)
		runs[i] = r
	}
	errs := make(chan string, 4*len(runs))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := 0; rep < 3; rep++ {
				for i := range runs {
					r := &runs[(i+g)%len(runs)]
					tc := r.tc
					c := append([]float32(nil), r.c...)
					Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, r.a, r.lda, r.b, r.ldb, tc.beta, c, r.ldc)
					for j := range c {
						if math.Float32bits(c[j]) != math.Float32bits(r.want[j]) {
							errs <- fmt.Sprintf("%v: concurrent C[%d] = %v; alone %v", tc, j, c[j], r.want[j])
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
