package appserver

import "sync"

// sockets tracks open WebSockets: http.Server.Shutdown does not wait
// for hijacked connections, so the app closes them itself.
type sockets struct {
	mu     sync.Mutex
	open   map[*socket]struct{}
	closed bool
}

func newSockets() *sockets { return &sockets{open: make(map[*socket]struct{})} }

// add tracks s, or reports false once the app is shutting down.
func (ss *sockets) add(s *socket) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return false
	}
	ss.open[s] = struct{}{}
	return true
}

func (ss *sockets) remove(s *socket) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.open, s)
}

// closeAll sends every open socket a 1001 "going away" close.
func (ss *sockets) closeAll() {
	ss.mu.Lock()
	ss.closed = true
	open := make([]*socket, 0, len(ss.open))
	for s := range ss.open {
		open = append(open, s)
	}
	ss.mu.Unlock()
	for _, s := range open {
		s.close(closeGoingAway, "shutting down")
	}
}
