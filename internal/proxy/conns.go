package proxy

import (
	"bufio"
	"context"
	"net"
	"slices"
	"sync"
	"time"
)

// idleTimeout is how long a keep-alive connection to a backend may sit
// unused before it is closed.
const idleTimeout = 90 * time.Second

// conn is a keep-alive HTTP/1.1 connection to a backend, used by one
// request at a time.
type conn struct {
	net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	addr string
	idle time.Time // when it went back to the pool
}

// conns keeps idle connections to backends by address, newest last, so
// that the warmest is reused first and the oldest time out.
type conns struct {
	dialer  net.Dialer
	maxIdle int

	mu     sync.Mutex
	idle   map[string][]*conn
	sweep  *time.Timer // pending sweep of stale connections, nil if none
	closed bool
}

func newConns(dialTimeout time.Duration, maxIdle int) *conns {
	return &conns{
		dialer:  net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second},
		maxIdle: maxIdle,
		idle:    map[string][]*conn{},
	}
}

// get returns an idle connection to addr, or dials one. reused says
// which: a reused connection may have been closed by the backend since.
func (cs *conns) get(ctx context.Context, addr string) (c *conn, reused bool, err error) {
	if c := cs.take(addr); c != nil {
		return c, true, nil
	}
	c, err = cs.dial(ctx, addr)
	return c, false, err
}

func (cs *conns) dial(ctx context.Context, addr string) (*conn, error) {
	nc, err := cs.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, br: bufio.NewReaderSize(nc, 4<<10), bw: bufio.NewWriterSize(nc, 4<<10), addr: addr}, nil
}

// take pops the newest idle connection to addr that has not timed out.
func (cs *conns) take(addr string) *conn {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	list := cs.idle[addr]
	if len(list) == 0 {
		return nil
	}
	c := list[len(list)-1]
	list[len(list)-1] = nil
	cs.idle[addr] = list[:len(list)-1]
	if len(list) == 1 {
		delete(cs.idle, addr)
	}
	if time.Since(c.idle) > idleTimeout {
		c.Close()
		return nil
	}
	return c
}

// put returns a connection whose last response was read to the end.
func (cs *conns) put(c *conn) {
	c.idle = time.Now()
	cs.mu.Lock()
	if cs.closed || len(cs.idle[c.addr]) >= cs.maxIdle {
		cs.mu.Unlock()
		c.Close()
		return
	}
	cs.idle[c.addr] = append(cs.idle[c.addr], c)
	if cs.sweep == nil {
		cs.sweep = time.AfterFunc(idleTimeout, cs.closeStale)
	}
	cs.mu.Unlock()
}

// closeStale closes the connections idle for longer than idleTimeout,
// such as those to backends that are gone, and comes back while any
// connection is idle.
func (cs *conns) closeStale() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.sweep = nil
	if cs.closed {
		return
	}
	now := time.Now()
	next := time.Duration(-1)
	for addr, list := range cs.idle {
		n := 0
		for n < len(list) && now.Sub(list[n].idle) > idleTimeout {
			list[n].Close()
			n++
		}
		if n == len(list) {
			delete(cs.idle, addr)
			continue
		}
		cs.idle[addr] = slices.Delete(list, 0, n)
		if wait := idleTimeout - now.Sub(cs.idle[addr][0].idle); next < 0 || wait < next {
			next = wait
		}
	}
	if next >= 0 {
		cs.sweep = time.AfterFunc(next+time.Second, cs.closeStale)
	}
}

// close closes every idle connection; those in use close when their
// request ends.
func (cs *conns) close() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	if cs.sweep != nil {
		cs.sweep.Stop()
		cs.sweep = nil
	}
	for addr, list := range cs.idle {
		for _, c := range list {
			c.Close()
		}
		delete(cs.idle, addr)
	}
}
