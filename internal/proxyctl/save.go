package proxyctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/berth-dev/berth/internal/atomicfile"
	"github.com/berth-dev/berth/internal/proxy"
)

// ErrSuperseded is returned by Save once a newer proxy process took the
// control socket's path: the state file is that process's to write.
var ErrSuperseded = errors.New("a newer proxy process holds the control socket")

// saveEvery bounds how often a change is saved: changes closer together
// are saved together.
const saveEvery = 50 * time.Millisecond

// Save writes the proxy's state to ServerOptions.StatePath now: to a
// temporary file, synced, then renamed over the state file, mode 0600.
// It returns ErrSuperseded, and writes nothing, once a newer process
// took the control path that Listen bound.
func (s *Server) Save() error {
	if s.opts.StatePath == "" {
		return errors.New("saving the proxy's state: no state file")
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	// The lock keeps a newer process from taking the control path
	// between the check and the rename.
	unlock, err := s.lockState()
	if err != nil {
		return err
	}
	defer unlock()
	if !s.ownsControl() {
		return ErrSuperseded
	}
	counted := s.p.Counted()
	data, err := json.Marshal(s.p.State())
	if err != nil {
		return fmt.Errorf("saving the proxy's state: %w", err)
	}
	if err := atomicfile.Write(s.opts.StatePath, data, 0o600); err != nil {
		return fmt.Errorf("saving the proxy's state: %w", err)
	}
	s.lastSave, s.savedCount = time.Now(), counted
	return nil
}

// lockState takes the lock that orders saves of the state file against
// a newer process taking the control path, across processes. It returns
// the function that lets it go. Without a state file there is nothing to
// order.
func (s *Server) lockState() (unlock func(), err error) {
	if s.opts.StatePath == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(s.opts.StatePath+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking the proxy's state: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the proxy's state: %w", err)
	}
	// Closing the file lets the lock go.
	return func() { f.Close() }, nil
}

// Run saves the state when ServerOptions.Changed is signalled, at most
// every 50ms (changes closer together are saved together), and every
// second while the stats change, until ctx ends. A failed save is logged
// once, until one succeeds again.
func (s *Server) Run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var timer *time.Timer
	var due <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.opts.Changed:
			if due == nil {
				s.saveMu.Lock()
				wait := saveEvery - time.Since(s.lastSave)
				s.saveMu.Unlock()
				timer = time.NewTimer(max(wait, 0))
				due = timer.C
			}
		case <-due:
			timer, due = nil, nil
			s.saveLogged()
		case <-tick.C:
			s.saveMu.Lock()
			stale := s.p.Counted() != s.savedCount
			s.saveMu.Unlock()
			if stale {
				s.saveLogged()
			}
		}
	}
}

// saveLogged saves the state and logs what went wrong, once.
func (s *Server) saveLogged() {
	err := s.Save()
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	switch {
	case errors.Is(err, ErrSuperseded):
		if !s.superseded {
			s.log.Info("a newer proxy took the control socket: leaving the state file to it", "state", s.opts.StatePath)
		}
		s.superseded = true
	case err != nil:
		if !s.failing {
			s.log.Warn("saving the proxy's state failed; retrying on the next change", "state", s.opts.StatePath, "err", err)
		}
		s.failing = true
	case s.failing:
		s.log.Info("saving the proxy's state works again", "state", s.opts.StatePath)
		s.failing = false
	}
}

// RestoreFile restores p from the state file at path, if there is one,
// and reports whether it did. A file that cannot be read as a state, or
// whose state p refuses, is logged and moved aside, to
// path.corrupt-<time>, and p starts without routes: a proxy that serves
// nothing until the control plane sets its routes again is better than
// none. Only a file that cannot be read at all is an error.
func RestoreFile(p *proxy.Proxy, path string, log *slog.Logger) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading the proxy's state: %w", err)
	}
	st, err := proxy.ParseState(data)
	if err == nil {
		err = p.Restore(st)
	}
	if err == nil {
		return true, nil
	}
	aside := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	if merr := os.Rename(path, aside); merr != nil {
		return false, fmt.Errorf("moving aside the proxy's state, which cannot be restored (%w): %w", err, merr)
	}
	if log != nil {
		log.Error("the proxy's state cannot be restored: moved it aside and starting without routes", "state", path, "moved_to", aside, "err", err)
	}
	return false, nil
}
