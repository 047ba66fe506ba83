//go:build !linux

package appserver

import (
	"fmt"
	"io/fs"
)

// statOwner returns a file's permission bits; the owner is unknown
// here.
func statOwner(fi fs.FileInfo) (mode string, uid, gid int) {
	return fmt.Sprintf("%04o", fi.Mode().Perm()), -1, -1
}

// statFS knows nothing of filesystems here.
func statFS(string) (uint64, bool) { return 0, false }
