//go:build !linux

package checkpoints

// exchangeDirs would atomically swap a and b; outside Linux it is not available, and Save falls
// back to two renames.
func exchangeDirs(a, b string) error { return errExchangeUnsupported }
