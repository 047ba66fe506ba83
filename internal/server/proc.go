package server

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// Sockets are handed to a child process by number, not through
// exec.Cmd.ExtraFiles: that takes each one's File.Fd, which puts the
// socket in blocking mode, and a socket is one open file shared by every
// process that holds it, so the proxy or server accepting on it would
// block in accept. These helpers reach the descriptors through
// SyscallConn instead, which changes nothing.

// startProcess starts argv with env; extra become the child's
// descriptors 3, 4 and on; stdout and stderr are this process's stderr.
// With setsid the child leads a session of its own, out of reach of the
// terminal's signals.
func startProcess(argv, env []string, extra []uintptr, setsid bool) (*os.Process, error) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer devNull.Close()
	files := append([]uintptr{devNull.Fd(), os.Stderr.Fd(), os.Stderr.Fd()}, extra...)
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Env:   env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setsid: setsid},
	})
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", argv[0], err)
	}
	return os.FindProcess(pid)
}

// rawConn is what has a descriptor reachable without taking it over.
type rawConn interface {
	SyscallConn() (syscall.RawConn, error)
}

// rawFd returns c's descriptor; it stays c's, valid while c is open.
func rawFd(c rawConn) (uintptr, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd uintptr
	if err := rc.Control(func(f uintptr) { fd = f }); err != nil {
		return 0, err
	}
	return fd, nil
}

// socketAddr is the address a listening socket held as a file is bound
// to.
func socketAddr(f *os.File) (net.Addr, error) {
	fd, err := rawFd(f)
	if err != nil {
		return nil, err
	}
	sa, err := syscall.Getsockname(int(fd))
	if err != nil {
		return nil, fmt.Errorf("reading the address of a listening socket: %w", err)
	}
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	}
	return nil, fmt.Errorf("a listening socket of family %T is not TCP", sa)
}
