package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
)

// upgrades are the client connections that switched protocols through
// the proxy, such as WebSockets. http.Server lets go of a connection once
// it is hijacked: its Shutdown neither waits for them nor closes them, so
// the proxy keeps them to close itself.
type upgrades struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	// closed is set once Shutdown closed them: a connection upgraded
	// after that is closed at once.
	closed bool
	// idle is closed when the last connection goes; nil when nobody
	// waits.
	idle chan struct{}
}

// accepting says whether connections may still be upgraded.
func (u *upgrades) accepting() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return !u.closed
}

// add tracks c, or closes it after Shutdown.
func (u *upgrades) add(c net.Conn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		c.Close()
		return
	}
	if u.conns == nil {
		u.conns = make(map[net.Conn]struct{})
	}
	u.conns[c] = struct{}{}
}

// remove stops tracking c, which its request's end closed.
func (u *upgrades) remove(c net.Conn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.conns, c)
	if len(u.conns) == 0 && u.idle != nil {
		close(u.idle)
		u.idle = nil
	}
}

// idleChan returns nil when no connection is tracked, or else a channel
// closed when none is.
func (u *upgrades) idleChan() <-chan struct{} {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.conns) == 0 {
		return nil
	}
	if u.idle == nil {
		u.idle = make(chan struct{})
	}
	return u.idle
}

// closeAll closes every tracked connection and any added later, and
// returns how many it closed. Their requests end and remove them.
func (u *upgrades) closeAll() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	for c := range u.conns {
		c.Close()
	}
	return len(u.conns)
}

// Shutdown waits until the connections upgraded through the proxy, such
// as WebSockets, end, or until ctx ends; it then closes the ones left,
// and from then on closes a connection as soon as it is upgraded. It
// returns an error matching ctx's when it closed any; a request that
// asks to switch protocols after that gets 503. A server stopped
// with http.Server.Shutdown, which leaves upgraded connections alone,
// calls it next with the same deadline. Other requests keep being
// served.
func (p *Proxy) Shutdown(ctx context.Context) error {
	if idle := p.upgrades.idleChan(); idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
		}
	}
	n := p.upgrades.closeAll()
	switch err := context.Cause(ctx); {
	case n == 0:
		return nil
	case err != nil:
		return fmt.Errorf("closing %d upgraded connections: %w", n, err)
	default:
		return fmt.Errorf("closing %d connections upgraded during shutdown", n)
	}
}

// errShutDown refuses a protocol switch after Shutdown.
var errShutDown = errors.New("proxy shut down")

// Hijack takes the client's connection over for a protocol switch, and
// tracks it until the request ends. After Shutdown it refuses, and the
// request is answered 503.
func (f *flushWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if f.upgrades != nil && !f.upgrades.accepting() {
		f.refused = true
		return nil, nil, errShutDown
	}
	conn, brw, err := http.NewResponseController(f.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if f.upgrades != nil {
		f.hijacked = conn
		f.upgrades.add(conn)
	}
	return conn, brw, nil
}
