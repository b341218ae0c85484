//go:build !amd64 || purego

package kernel

// vecSets lists the element-wise implementations this CPU can run, fastest first.
func vecSets() []*vecSet { return []*vecSet{genericVec} }
