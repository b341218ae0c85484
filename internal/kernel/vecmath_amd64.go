//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// The AVX-512 forms take any length (a final partial vector is read and written under a mask);
// the AVX2 forms take whole vectors of 8, and the wrappers pass them a padded copy of the rest.
var (
	avx512Vec = &vecSet{
		name: "avx512",
		exp: func(dst, x []float32) {
			if len(x) > 0 {
				expAVX512(&dst[0], &x[0], len(x))
			}
		},
		gelu: func(dst, u []float32) {
			if len(u) > 0 {
				geluAVX512(&dst[0], &u[0], len(u))
			}
		},
		geluGrad: func(dst, u, dy []float32) {
			if len(u) > 0 {
				geluGradAVX512(&dst[0], &u[0], &dy[0], len(u))
			}
		},
	}
	avx2Vec = &vecSet{name: "avx2", exp: avx2Unary(expAVX2), gelu: avx2Unary(geluAVX2), geluGrad: avx2GELUGrad}
)

func avx2Unary(f func(dst, x *float32, n int)) func(dst, x []float32) {
	return func(dst, x []float32) {
		n := len(x) &^ 7
		if n > 0 {
			f(&dst[0], &x[0], n)
		}
		if r := len(x) - n; r > 0 {
			var in, out [8]float32
			copy(in[:], x[n:])
			f(&out[0], &in[0], 8)
			copy(dst[n:], out[:r])
		}
	}
}

func avx2GELUGrad(dst, u, dy []float32) {
	n := len(u) &^ 7
	if n > 0 {
		geluGradAVX2(&dst[0], &u[0], &dy[0], n)
	}
	if r := len(u) - n; r > 0 {
		var in, d, out [8]float32
		copy(in[:], u[n:])
		copy(d[:], dy[n:])
		geluGradAVX2(&out[0], &in[0], &d[0], 8)
		copy(dst[n:], out[:r])
	}
}

// vecSets lists the element-wise implementations this CPU can run, fastest first.
func vecSets() []*vecSet {
	var sets []*vecSet
	if cpu.X86.HasAVX512F {
		sets = append(sets, avx512Vec)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		sets = append(sets, avx2Vec)
	}
	return append(sets, genericVec)
}
