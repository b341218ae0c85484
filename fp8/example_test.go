package fp8_test

import (
	"fmt"
	"log"
	"math"

	"mathzero/fp8"
)

func ExampleFromFloat32() {
	for _, x := range []float32{1, 0.1, -3.3, 1.0625, 500, float32(math.Inf(-1)), 0.001} {
		c := fp8.FromFloat32(x)
		fmt.Printf("%v -> %#02x = %v\n", x, uint8(c), c.Float32())
	}
	// Output:
	// 1 -> 0x38 = 1
	// 0.1 -> 0x1d = 0.1015625
	// -3.3 -> 0xc5 = -3.25
	// 1.0625 -> 0x38 = 1
	// 500 -> 0x7e = 448
	// -Inf -> 0xfe = -448
	// 0.001 -> 0x01 = 0.001953125
}

func ExampleQuantize() {
	// A 2×4 matrix in 2×2 blocks: the left block's amax 3 and the right block's 448 both map to
	// code 0x7e (448).
	x := []float32{
		1, -2, 0.5, 300,
		0.01, 3, -448, 7,
	}
	b := fp8.Block{Rows: 2, Cols: 2}
	codes, scaleInv, err := fp8.Quantize(x, 2, 4, b)
	if err != nil {
		log.Fatal(err)
	}
	deq, err := fp8.Dequantize(codes, scaleInv, 2, 4, b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("codes    % x\n", codes)
	fmt.Println("scaleInv", scaleInv)
	fmt.Println("x̂       ", deq)
	// Output:
	// codes    71 f9 30 79 3c 7e fe 4e
	// scaleInv [0.0066964286 1]
	// x̂        [0.96428573 -1.9285715 0.5 288 0.010044643 3 -448 7]
}
