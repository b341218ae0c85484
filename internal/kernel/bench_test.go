package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShapes are the products of the training graph (forward, and the
// two gradient forms dA = dC·Bᵀ and dB = Aᵀ·dC), the attention products,
// and the sampler's decode steps.
var benchShapes = []struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}{
	{"NN/6144x384x128", blas.NoTrans, blas.NoTrans, 6144, 384, 128},
	{"NN/6144x128x128", blas.NoTrans, blas.NoTrans, 6144, 128, 128},
	{"NN/6144x512x128", blas.NoTrans, blas.NoTrans, 6144, 512, 128},
	{"NN/6144x128x512", blas.NoTrans, blas.NoTrans, 6144, 128, 512},
	{"NN/6144x20x128", blas.NoTrans, blas.NoTrans, 6144, 20, 128},
	{"NT/6144x128x384", blas.NoTrans, blas.Trans, 6144, 128, 384},
	{"NT/6144x512x128", blas.NoTrans, blas.Trans, 6144, 512, 128},
	{"NT/6144x128x20", blas.NoTrans, blas.Trans, 6144, 128, 20},
	{"TN/128x384x6144", blas.Trans, blas.NoTrans, 128, 384, 6144},
	{"TN/512x128x6144", blas.Trans, blas.NoTrans, 512, 128, 6144},
	{"TN/128x20x6144", blas.Trans, blas.NoTrans, 128, 20, 6144},
	{"NN/12x12x32", blas.NoTrans, blas.NoTrans, 12, 12, 32},
	{"NT/12x12x32", blas.NoTrans, blas.Trans, 12, 12, 32},
	{"NN/12x32x12", blas.NoTrans, blas.NoTrans, 12, 32, 12},
	{"TN/32x12x12", blas.Trans, blas.NoTrans, 32, 12, 12},
	{"NN/1x384x128", blas.NoTrans, blas.NoTrans, 1, 384, 128},
	{"NN/1x512x128", blas.NoTrans, blas.NoTrans, 1, 512, 128},
	{"NN/1x128x512", blas.NoTrans, blas.NoTrans, 1, 128, 512},
	{"NN/8x384x128", blas.NoTrans, blas.NoTrans, 8, 384, 128},
	{"NN/64x384x128", blas.NoTrans, blas.NoTrans, 64, 384, 128},
	{"NN/512x384x128", blas.NoTrans, blas.NoTrans, 512, 384, 128},
	{"NN/512x128x512", blas.NoTrans, blas.NoTrans, 512, 128, 512},
	{"NT/1x384x128", blas.NoTrans, blas.Trans, 1, 384, 128},
	{"NT/64x384x128", blas.NoTrans, blas.Trans, 64, 384, 128},
}

// BenchmarkSgemm reports GFLOP/s (2mnk per call) of gonum's Sgemm and of
// this package's, side by side, for every kernel set the CPU runs:
//
//	go test -run X -bench 'Sgemm/.*/.*/(gonum|avx512)$' ./internal/kernel/
//
// Figures on the project's 2-vCPU VM (AMD Zen 5 "Turin", AVX-512), shared
// with other helpers' jobs (load 2–6), so wall-clock figures are noisy:
// best of 3–6 runs. "1 core" is this package without the second goroutine,
// timed on thread CPU time; "wall" is the benchmark as is (gonum uses both
// cores on the large shapes).
//
//	shape (tA tB / m×n×k)  gonum wall  avx512 wall  avx512 1 core  avx2 1 core  generic 1 core
//	NN/6144x384x128              10.8        116.5          209.6        102.0             4.1
//	NN/6144x128x128               8.4        154.5          212.1        106.1             4.0
//	NN/6144x512x128               8.0        181.3          203.9        103.9             4.1
//	NN/6144x128x512               8.4        188.9          202.0         98.8             4.0
//	NN/6144x20x128                8.1        129.7          136.0         62.3             4.1
//	NT/6144x128x384              15.5        193.6          205.9         94.3             4.1
//	NT/6144x512x128              14.4        196.3          199.8        102.7             4.1
//	NT/6144x128x20                7.7        190.2          198.9        107.2             3.7
//	TN/128x384x6144               9.7        127.9          207.7         94.1             4.1
//	TN/512x128x6144               7.8        123.9          199.8         95.1             4.1
//	TN/128x20x6144                7.2         78.8          129.1         62.1             4.0
//	NN/12x12x32                   4.0         12.8           39.2         22.7             3.6
//	NT/12x12x32                   9.1         21.4           49.8         20.8             3.4
//	NN/12x32x12                   7.2         22.7           46.4         44.2             3.3
//	TN/32x12x12                   5.5         18.2           30.2         20.3             3.2
//	NN/1x384x128                  6.8         31.9           54.8         34.6             5.7
//	NN/1x512x128                  7.3         44.3           54.2         25.0             5.7
//	NN/1x128x512                 12.1         37.7           54.8         34.9             5.7
//	NN/8x384x128                  8.4        201.5          214.2         96.6             4.1
//	NN/64x384x128                13.2        174.5          219.0        112.3             4.1
//	NN/512x384x128               13.3        208.7          214.7        110.4             4.1
//	NN/512x128x512               13.9        172.3          220.4        107.4             4.1
//	NT/1x384x128                  8.3         50.2           54.9          4.8             2.8
//	NT/64x384x128                14.9        127.8          168.5         84.2             4.0
//
// With the second vCPU idle, the m = 6144 products that go parallel
// reached 300–400 GFLOP/s wall.
func BenchmarkSgemm(b *testing.B) {
	saved := activeKernels
	defer func() { activeKernels = saved }()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range benchShapes {
		tc := gemmCase{tA: s.tA, tB: s.tB, m: s.m, n: s.n, k: s.k, alpha: 1}
		a, lda, bm, ldb, c, ldc := tc.operands(rng)
		run := func(impl blas.Float32) func(b *testing.B) {
			return func(b *testing.B) {
				for b.Loop() {
					impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, ldc)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			}
		}
		b.Run(fmt.Sprintf("%s/gonum", s.name), run(gonum.Implementation{}))
		for _, ks := range kernelSets() {
			activeKernels = ks
			b.Run(fmt.Sprintf("%s/%s", s.name, ks.name), run(Implementation{}))
		}
		activeKernels = saved
	}
}
