//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels.go

var (
	avx512Kernels = &kernelSet{name: "avx512", mr: 12, nr: 32, kern: kernelsAVX512[:], masked: maskedKernelsAVX512[:],
		rows: []microKernel{kernelsAVX512Row[0], kernelsAVX512HalfRow[0]}, rowNR: []int{256, 128},
		dots: dotKernelsAVX512[:]}
	avx2Kernels = &kernelSet{name: "avx2", mr: 6, nr: 16, kern: kernelsAVX2[:]}
)

// kernelSets lists the micro-kernels this CPU can run, fastest first.
func kernelSets() []*kernelSet {
	var sets []*kernelSet
	// The AVX-512 kernels use only AVX-512F instructions; the OS must also
	// save the ZMM state, which x/sys/cpu checks before it reports AVX-512F.
	if cpu.X86.HasAVX512F {
		sets = append(sets, avx512Kernels)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		sets = append(sets, avx2Kernels)
	}
	return append(sets, genericKernels)
}
