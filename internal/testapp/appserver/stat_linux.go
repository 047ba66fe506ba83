package appserver

import (
	"fmt"
	"io/fs"
	"syscall"
)

// statOwner returns a file's mode bits in octal and its owner.
func statOwner(fi fs.FileInfo) (mode string, uid, gid int) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Sprintf("%04o", fi.Mode().Perm()), -1, -1
	}
	return fmt.Sprintf("%04o", st.Mode&0o7777), int(st.Uid), int(st.Gid)
}

// statFS returns the size of the filesystem path is on and whether it
// is mounted read-only.
func statFS(path string) (size uint64, readOnly bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, false
	}
	return st.Blocks * uint64(st.Bsize), st.Flags&0x1 != 0 // ST_RDONLY
}
