package kernel_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"

	"mathzero/internal/kernel"
)

func ExampleImplementation() {
	blas32.Use(kernel.Implementation{})
	defer blas32.Use(gonum.Implementation{}) // gonum's is the default

	a := blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{
		1, 2, 3,
		4, 5, 6,
	}}
	b := blas32.General{Rows: 3, Cols: 2, Stride: 2, Data: []float32{
		1, 0,
		0, 1,
		1, 1,
	}}
	c := blas32.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float32, 4)}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c) // C = A·B
	fmt.Println(c.Data)
	// Output: [4 5 10 11]
}

func ExampleGELU() {
	u := []float32{-3, -1, 0, 1, 3}
	y := make([]float32, len(u))
	kernel.GELU(y, u)
	fmt.Printf("%.4f\n", y)
	// Output: [-0.0036 -0.1588 0.0000 0.8412 2.9964]
}
