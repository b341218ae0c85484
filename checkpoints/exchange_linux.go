//go:build linux

package checkpoints

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// exchangeDirs atomically swaps the directory entries a and b (both must exist) with
// renameat2(RENAME_EXCHANGE), so re-saving a step never leaves a moment without it. It returns
// errExchangeUnsupported where the kernel or file system cannot do it.
func exchangeDirs(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINVAL), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EPERM):
		// EPERM: seccomp filters that refuse unknown system calls.
		return errExchangeUnsupported
	}
	return &os.LinkError{Op: "renameat2", Old: a, New: b, Err: err}
}
