//go:build !amd64 || purego

package kernel

// kernelSets lists the micro-kernels this CPU can run, fastest first.
func kernelSets() []*kernelSet { return []*kernelSet{genericKernels} }
