package kernel

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGorgoniaMul installs Implementation as gorgonia's BLAS and checks a
// graph's Mul, forward and backward, against the reference product.
func TestGorgoniaMul(t *testing.T) {
	gorgonia.Use(Implementation{})
	defer gorgonia.Use(gonum.Implementation{})
	if _, ok := gorgonia.WhichBLAS().(Implementation); !ok {
		t.Fatalf("gorgonia.WhichBLAS() = %T after Use(Implementation{})", gorgonia.WhichBLAS())
	}

	const m, k, n = 37, 29, 45
	rng := rand.New(rand.NewPCG(7, 8))
	randn := func(size int) []float32 {
		s := make([]float32, size)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	aData, bData := randn(m*k), randn(k*n)

	g := gorgonia.NewGraph()
	a := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(m, k), gorgonia.WithName("a"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(m, k), tensor.WithBacking(aData))))
	b := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(k, n), gorgonia.WithName("b"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(k, n), tensor.WithBacking(bData))))
	c, err := gorgonia.Mul(a, b)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := gorgonia.Sum(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gorgonia.Grad(cost, a, b); err != nil {
		t.Fatal(err)
	}
	var cVal gorgonia.Value
	gorgonia.Read(c, &cVal)
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}

	want, mag := refSgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, aData, k, bData, n, 0, make([]float32, m*n), n)
	got := cVal.Data().([]float32)
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > 1e-5*mag[i]+1e-6 {
			t.Fatalf("Mul(a, b)[%d] = %v; want %v", i, got[i], want[i])
		}
	}
	// d(sum C)/dA = 1·Bᵀ: row sums of B; d(sum C)/dB = Aᵀ·1: column sums of A.
	aGrad, err := a.Grad()
	if err != nil {
		t.Fatal(err)
	}
	bGrad, err := b.Grad()
	if err != nil {
		t.Fatal(err)
	}
	ga, gb := aGrad.Data().([]float32), bGrad.Data().([]float32)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			var w float64
			for j := 0; j < n; j++ {
				w += float64(bData[p*n+j])
			}
			if d := math.Abs(float64(ga[i*k+p]) - w); d > 1e-4 {
				t.Fatalf("dA[%d,%d] = %v; want %v", i, p, ga[i*k+p], w)
			}
		}
	}
	for p := 0; p < k; p++ {
		for j := 0; j < n; j++ {
			var w float64
			for i := 0; i < m; i++ {
				w += float64(aData[i*k+p])
			}
			if d := math.Abs(float64(gb[p*n+j]) - w); d > 1e-4 {
				t.Fatalf("dB[%d,%d] = %v; want %v", p, j, gb[p*n+j], w)
			}
		}
	}
}
