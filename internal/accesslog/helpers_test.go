package accesslog

import (
	"io/fs"
	"net/netip"
	"syscall"
)

func clientOf(s string) netip.Addr { return netip.MustParseAddr(s) }

// umask returns the process's umask, which the mode of created files
// leaves out.
func umask() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}
