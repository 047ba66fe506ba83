package memory

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Program is what a container runs. It serves until ctx ends, which is
// the stop signal, and returns its exit code. A program that outlives
// its stop grace is killed: its listeners and connections close and the
// container counts as exited, whatever the function does after.
type Program func(ctx context.Context, p *Process) int

// Process is a container as its program sees it.
type Process struct {
	// Args are the entrypoint and command; Args[0] is the image's path.
	Args []string
	Env  []string
	// IP is the container's own loopback address, where a program that
	// checks itself (a health check) dials, as a container would dial
	// 127.0.0.1.
	IP string
	// Stdout is the container's log.
	Stdout io.Writer
	// Hosts are the container's /etc/hosts entries beyond its own, name
	// to IP address: DialContext dials through them.
	Hosts map[string]string

	conns *conns
	// reserved is the container's port, bound by the driver when it
	// picked the address, handed to the first Listen on that port.
	reserved map[int]net.Listener
}

// Getenv returns the value of key in Env, "" when it is not set.
func (p *Process) Getenv(key string) string {
	v := ""
	for _, kv := range p.Env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val // the last one wins, as in a process's environment
		}
	}
	return v
}

// Listen listens on TCP port of the container's address.
func (p *Process) Listen(port int) (net.Listener, error) {
	if l, ok := p.reserved[port]; ok {
		delete(p.reserved, port)
		return p.conns.track(l), nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(p.IP, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	return p.conns.track(l), nil
}

// conns tracks a container's listeners and the connections they
// accepted, so that a kill can close them all.
type conns struct {
	mu     sync.Mutex
	killed bool
	open   map[io.Closer]struct{}
}

func newConns() *conns { return &conns{open: map[io.Closer]struct{}{}} }

func (c *conns) add(x io.Closer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.killed {
		return false
	}
	c.open[x] = struct{}{}
	return true
}

func (c *conns) remove(x io.Closer) {
	c.mu.Lock()
	delete(c.open, x)
	c.mu.Unlock()
}

// kill closes everything and refuses what comes after.
func (c *conns) kill() {
	c.mu.Lock()
	c.killed = true
	open := c.open
	c.open = map[io.Closer]struct{}{}
	c.mu.Unlock()
	for x := range open {
		_ = x.Close()
	}
}

func (c *conns) track(l net.Listener) net.Listener {
	tl := &trackedListener{Listener: l, conns: c}
	if !c.add(tl) {
		_ = l.Close()
	}
	return tl
}

type trackedListener struct {
	net.Listener
	conns *conns
}

func (l *trackedListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: conn, conns: l.conns}
	if !l.conns.add(tc) {
		_ = conn.Close()
	}
	return tc, nil
}

func (l *trackedListener) Close() error {
	l.conns.remove(l)
	return l.Listener.Close()
}

type trackedConn struct {
	net.Conn
	conns *conns
	once  sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.conns.remove(c) })
	return c.Conn.Close()
}

// bindFree picks a loopback address no one listens on at port and
// returns it with a listener on it; with port 0 it only picks one. The
// addresses are drawn at random from 127.0.0.0/8 (Linux answers on all
// of it) past 127.0.0.x, so that drivers in one process, such as
// parallel tests, do not share one.
func bindFree(port int) (string, net.Listener, error) {
	var last error
	for range 20 {
		var b [3]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		ip := fmt.Sprintf("127.%d.%d.%d", 1+int(b[0])%254, b[1], 1+int(b[2])%254)
		if port == 0 {
			return ip, nil, nil
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err == nil {
			return ip, l, nil
		}
		last = err
	}
	return "", nil, fmt.Errorf("finding a free loopback address: %w", last)
}
