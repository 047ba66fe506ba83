package gitops

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/gitsource"
)

// source is the worker of one source: every pass runs on its goroutine.
type source struct {
	c       *Controller
	cfg     config.Source
	kickc   chan struct{}
	stopc   chan struct{}
	done    chan struct{}
	once    sync.Once
	repo    *gitsource.Repo // the worker's alone
	started atomic.Bool

	mu      sync.Mutex
	waiters []chan error // for the next pass
	promos  []*promotion // for the next pass to write and apply
	view    view
	repos   map[string]bool // repositories of the images its apps use
}

func newSource(c *Controller, cfg config.Source) *source {
	return &source{
		c: c, cfg: cfg,
		kickc: make(chan struct{}, 1), stopc: make(chan struct{}), done: make(chan struct{}),
		view:  newView(),
		repos: map[string]bool{},
	}
}

func (s *source) branch() string {
	if s.cfg.Branch == "" {
		return gitsource.DefaultBranch
	}
	return s.cfg.Branch
}

// kick asks for a pass soon; kicks while one is pending are one.
func (s *source) kick() {
	select {
	case s.kickc <- struct{}{}:
	default:
	}
}

// stop ends the worker and waits for it, if it ran.
func (s *source) stop() {
	s.once.Do(func() { close(s.stopc) })
	if !s.started.Load() {
		return
	}
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.c.log.Warn("a source's worker did not stop within a minute", "source", s.cfg.Name)
	}
}

// sync asks for a pass and waits for it.
func (s *source) sync(ctx context.Context) error {
	w := make(chan error, 1)
	s.mu.Lock()
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	s.kick()
	select {
	case err := <-w:
		return err
	case <-ctx.Done():
		return fmt.Errorf("syncing source %s: %w", s.cfg.Name, ctx.Err())
	case <-s.done:
		return fmt.Errorf("syncing source %s: it stopped", s.cfg.Name)
	}
}

func (s *source) uses(repo string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[repo]
}

// isSuspended says whether the source, or app of it when not "" (its
// key in the state, see appID.key), is suspended, by its configuration
// or by berth source suspend.
func (s *source) isSuspended(app string) bool {
	if s.cfg.Suspend {
		return true
	}
	if on, err := s.c.st.suspended(s.cfg.Name, ""); err != nil || on {
		return true
	}
	if app == "" {
		return false
	}
	on, err := s.c.st.suspended(s.cfg.Name, app)
	return err != nil || on
}

// run does passes until ctx ends or the source stops: one at once, then
// on each kick and at each interval; after a failure to reach the
// source, sooner, backing off from Options.MinBackoff to the interval.
func (s *source) run(parent context.Context) {
	defer close(s.done)
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	go func() {
		select {
		case <-s.stopc:
			cancel()
		case <-ctx.Done():
		}
	}()
	interval := max(s.cfg.Interval, time.Second)
	failures := 0
	for {
		s.mu.Lock()
		waiters, promos := s.waiters, s.promos
		s.waiters, s.promos = nil, nil
		s.mu.Unlock()
		err := s.pass(ctx, promos)
		for _, w := range waiters {
			w <- err
		}
		if ctx.Err() != nil {
			return
		}
		wait := interval
		if err != nil && retryable(err) {
			failures++
			wait = min(s.c.opts.MinBackoff<<min(failures-1, 16), interval)
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.kickc:
		case <-t.C:
		}
		t.Stop()
	}
}

// retryable says whether a failed pass is worth retrying before the
// interval: the remote was unreachable or moved under a push.
func retryable(err error) bool {
	return errors.Is(err, gitsource.ErrUnreachable) || errors.Is(err, gitsource.ErrConflict)
}

// open clones or opens the source's repository.
func (s *source) open(ctx context.Context) (*gitsource.Repo, error) {
	if s.repo != nil {
		return s.repo, nil
	}
	sec, err := s.cfg.Secrets(s.c.opts.Getenv, s.c.opts.ReadFile)
	if err != nil {
		return nil, err
	}
	cfg := gitsource.Config{
		Name: s.cfg.Name, URL: s.cfg.URL, Branch: s.cfg.Branch, Path: s.cfg.Path,
		Auth: gitsource.Auth{
			Username: s.cfg.Auth.Username, Password: string(sec.Password),
			SSHKey: sec.SSHKey, SSHKeyPassphrase: string(sec.SSHKeyPassphrase), KnownHosts: sec.KnownHosts,
		},
	}
	repo, err := gitsource.Open(ctx, filepath.Join(s.c.dir, s.cfg.Name), cfg, s.c.log.With("source", s.cfg.Name))
	if err != nil {
		return nil, err
	}
	s.repo = repo
	return repo, nil
}

// status is the source as the API shows it.
func (s *source) status() api.SourceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.view.snapshot()
	st.Name, st.URL, st.Branch, st.Path = s.cfg.Name, s.cfg.URL, s.branch(), s.cfg.Path
	st.Suspended = s.isSuspended("")
	for i, a := range st.Apps {
		if a.App != "" {
			st.Apps[i].Suspended = !st.Suspended && s.isSuspended(s.c.idOf(a.Env, a.App).key())
		}
	}
	return st
}
