package kernel

import "unsafe"

// genericKernels is the portable fallback: a 4×4 register tile in plain Go,
// run by the same blocked driver as the assembly kernels.
var genericKernels = &kernelSet{
	name: "generic", mr: 4, nr: 4,
	kern: []microKernel{genericKernel1, genericKernel2, genericKernel3, genericKernel4},
}

func genericKernel1(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, load int) {
	genericKernel(1, k, a, rsa, csa, b, csb, c, ldc, alpha, beta, load)
}

func genericKernel2(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, load int) {
	genericKernel(2, k, a, rsa, csa, b, csb, c, ldc, alpha, beta, load)
}

func genericKernel3(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, load int) {
	genericKernel(3, k, a, rsa, csa, b, csb, c, ldc, alpha, beta, load)
}

// genericKernel4 is the full tile, with its sixteen sums in locals so the
// compiler can keep them in registers.
func genericKernel4(k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, load int) {
	as := unsafe.Slice(a, 3*rsa+(k-1)*csa+1)
	bs := unsafe.Slice(b, (k-1)*csb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < k; p++ {
		bp := bs[p*csb : p*csb+4 : p*csb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := as[p*csa]
		a1 := as[p*csa+rsa]
		a2 := as[p*csa+2*rsa]
		a3 := as[p*csa+3*rsa]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	storeTile(4, &acc, c, ldc, alpha, beta, load)
}

// genericKernel handles tiles of fewer than four rows.
func genericKernel(mr, k int, a *float32, rsa, csa int, b *float32, csb int, c *float32, ldc int, alpha, beta float32, load int) {
	as := unsafe.Slice(a, (mr-1)*rsa+(k-1)*csa+1)
	bs := unsafe.Slice(b, (k-1)*csb+4)
	var acc [4][4]float32
	for i := 0; i < mr; i++ {
		var s0, s1, s2, s3 float32
		for p := 0; p < k; p++ {
			bp := bs[p*csb : p*csb+4 : p*csb+4]
			av := as[i*rsa+p*csa]
			s0 += av * bp[0]
			s1 += av * bp[1]
			s2 += av * bp[2]
			s3 += av * bp[3]
		}
		acc[i] = [4]float32{s0, s1, s2, s3}
	}
	storeTile(mr, &acc, c, ldc, alpha, beta, load)
}

func storeTile(mr int, acc *[4][4]float32, c *float32, ldc int, alpha, beta float32, load int) {
	cs := unsafe.Slice(c, (mr-1)*ldc+4)
	for i := 0; i < mr; i++ {
		row := cs[i*ldc : i*ldc+4 : i*ldc+4]
		for j, v := range acc[i] {
			if load != 0 {
				row[j] = beta*row[j] + alpha*v
			} else {
				row[j] = alpha * v
			}
		}
	}
}
