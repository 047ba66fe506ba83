package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errUndoFailed reports a rollout that failed and then could not put the
// previous revision back.
var errUndoFailed = errors.New("could not restore the previous revision")

// undo takes the failed service and the ones already done back to the
// previous revision, most recent first.
func (ro *rollout) undo(ctx context.Context, failed *svcRollout, done []*svcRollout) error {
	var errs []error
	all := append([]*svcRollout{failed}, reversed(done)...)
	for _, s := range all {
		if s == nil {
			continue
		}
		if err := s.revert(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// revert restores the old set at full strength, sends it all traffic and
// retires the new set. A service that did not exist before just goes.
func (s *svcRollout) revert(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if s.from == nil {
		if s.routed() {
			s.ro.e.router.Remove(s.svc.Route.Host)
		}
		s.ro.e.retire(ctx, s.new, s.svc.StopGrace)
		s.new = nil
		return nil
	}
	if isJob(s.ro.app, s.name) {
		// The previous run stays as it ended; the new one goes.
		s.ro.e.retire(ctx, s.new, s.svc.StopGrace)
		s.new = nil
		return nil
	}
	if s.svc.Exclusive() || (s.oldSvc != nil && s.oldSvc.Exclusive()) {
		// Two containers of the service cannot run at once: the new
		// ones stop before the old ones start again.
		gone := s.new
		s.new = nil
		s.route(100, 0)
		s.ro.e.retire(ctx, gone, s.svc.StopGrace)
	}
	if missing := len(s.retired); missing > 0 && s.oldSvc != nil {
		s.ro.event(s.name, nil, "restarting %d replicas of the previous version", missing)
		insts, err := s.ro.e.startReady(ctx, s.ro.rev.App, *s.oldSvc, *s.from, maxIndex(s.old, s.retired)+1, missing,
			func(msg string) { s.ro.event(s.name, nil, "%s", msg) })
		s.old = append(s.old, insts...)
		if err != nil {
			return err
		}
		s.retired = nil
	}
	if len(s.old) == 0 {
		return fmt.Errorf("nothing of the previous version is left to serve")
	}
	// The new set leaves the route before it drains: the proxy drains
	// only backends no route sends traffic to.
	gone := s.new
	s.new = nil
	zero := 0
	s.route(100, 0)
	s.ro.event(s.name, &zero, "all traffic back on the previous version")
	s.ro.e.retire(ctx, gone, s.svc.StopGrace)
	return nil
}

// finish settles a service once the whole rollout succeeded: the old set
// of a blue-green service stays warm for KeepPrevious, any other old
// replicas go now, and a host the service no longer uses is dropped.
func (s *svcRollout) finish() {
	ctx := context.WithoutCancel(s.ro.e.ctx)
	if isJob(s.ro.app, s.name) {
		s.ro.e.removeJobRuns(ctx, s.ro.rev.App, s.name, s.to)
		return
	}
	if s.routed() {
		s.route(0, 100)
	}
	if s.oldSvc != nil && s.oldSvc.Route != nil && (s.svc.Route == nil || s.oldSvc.Route.Host != s.svc.Route.Host) {
		s.ro.e.router.Remove(s.oldSvc.Route.Host)
	}
	if len(s.old) == 0 {
		return
	}
	old := s.old
	s.old = nil
	if s.routed() {
		s.route(0, 100) // the old set leaves the table, so it drains
	}
	if s.routed() && string(s.svc.Strategy) == "blue-green" && s.svc.KeepPrevious > 0 {
		s.ro.e.keepWarm(s.ro.rev.App, s.name, old, s.svc.StopGrace, s.svc.KeepPrevious)
		return
	}
	s.ro.e.retire(ctx, old, s.svc.StopGrace)
}

// retireRemoved stops the services the previous revision had and this
// one does not.
func (ro *rollout) retireRemoved(ctx context.Context) {
	if ro.prev == nil {
		return
	}
	for name, p := range ro.prev.Services {
		if _, ok := ro.rev.Services[name]; ok {
			continue
		}
		insts, err := ro.e.placed(ctx, ro.rev.App, name, p)
		if err != nil {
			ro.event(name, nil, "listing the removed service's containers: %v", err)
			continue
		}
		if old, ok := serviceNamed(ro.prevApp, name); ok && old.Route != nil {
			ro.e.router.Remove(old.Route.Host)
		}
		ro.event(name, nil, "removing the service: it is no longer in the spec")
		ro.e.retire(ctx, insts, 10*time.Second)
	}
}
