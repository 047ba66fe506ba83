package deploy

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/berth-dev/berth/internal/spec"
)

// command is what a user asks of a running rollout.
type command int

const (
	cmdPromote command = iota + 1 // go on: skip pauses, take all traffic
	cmdAbort                      // stop and go back
)

// errAborted reports a rollout stopped by `berth rollout abort`.
var errAborted = errors.New("aborted by hand")

// rollout is one revision on its way to live.
type rollout struct {
	e       *Engine
	rev     *Revision
	app     *spec.App
	prev    *Revision // the live revision when it started; nil for the first
	prevApp *spec.App
	control chan command
	done    chan struct{}

	mu   sync.Mutex
	subs map[chan Event]struct{}
}

func newRollout(e *Engine, rev *Revision, app *spec.App, prev *Revision, prevApp *spec.App) *rollout {
	return &rollout{
		e: e, rev: rev, app: app, prev: prev, prevApp: prevApp,
		control: make(chan command, 1),
		done:    make(chan struct{}),
		subs:    map[chan Event]struct{}{},
	}
}

// number is the revision's number, 0 until it is recorded (and for the
// hold a removal takes).
func (ro *rollout) number() int {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	return ro.rev.Number
}

// event records a step, stores it and tells followers.
func (ro *rollout) event(service string, traffic *int, format string, args ...any) {
	ev := Event{Time: ro.e.now(), Service: service, Message: fmt.Sprintf(format, args...), Traffic: traffic}
	if traffic != nil {
		ev.Back = ro.rev.RollbackOf
	}
	ro.mu.Lock()
	ro.rev.Events = append(ro.rev.Events, ev)
	for c := range ro.subs {
		select {
		case c <- ev:
		default: // a follower that cannot keep up reads the rest from the store
		}
	}
	ro.mu.Unlock()
	ro.save(false)
	ro.e.log.Info(ev.Message, "app", ro.rev.App, "revision", ro.rev.Number, "service", service)
}

// save stores the revision as it stands.
func (ro *rollout) save(live bool) {
	ro.mu.Lock()
	rev := *ro.rev
	rev.Events = append([]Event(nil), ro.rev.Events...)
	ro.mu.Unlock()
	if err := ro.e.store.saveRevision(&rev, live); err != nil {
		ro.e.log.Error("saving rollout state", "app", rev.App, "revision", rev.Number, "err", err)
	}
}

// follow returns the events so far and a channel of the ones to come,
// closed when the rollout ends.
func (ro *rollout) follow() ([]Event, chan Event, func()) {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	past := append([]Event(nil), ro.rev.Events...)
	c := make(chan Event, 256)
	ro.subs[c] = struct{}{}
	return past, c, func() {
		ro.mu.Lock()
		if _, ok := ro.subs[c]; ok {
			delete(ro.subs, c)
			close(c)
		}
		ro.mu.Unlock()
	}
}

// setOutcome changes the outcome and stores it.
func (ro *rollout) setOutcome(o Outcome, reason string) {
	ro.mu.Lock()
	ro.rev.Outcome, ro.rev.Reason = o, reason
	if o.Done() {
		ro.rev.Finished = ro.e.now()
	}
	ro.mu.Unlock()
}

// run carries the rollout through and settles its outcome.
func (ro *rollout) run() {
	defer func() {
		// The app is free before followers hear the end, so that what
		// they do next finds it so.
		ro.e.release(ro.rev.App)
		ro.mu.Lock()
		for c := range ro.subs {
			close(c)
			delete(ro.subs, c)
		}
		ro.mu.Unlock()
		close(ro.done)
		if ro.e.opts.OnEnd != nil && ro.e.ctx.Err() == nil {
			ro.e.opts.OnEnd(ro.snapshot(), ro.prev)
		}
	}()
	ctx := ro.e.ctx
	err := ro.roll(ctx)
	switch {
	case err == nil:
		// Live in the store before anyone hears it ended.
		ro.setOutcome(OutcomeSucceeded, "")
		ro.save(true)
		ro.event("", nil, "revision %d is live", ro.rev.Number)
	case ctx.Err() != nil:
		// berth is stopping: the next start rolls this revision back.
		ro.save(false)
	case errors.Is(err, errAborted):
		ro.setOutcome(OutcomeAborted, err.Error())
		if ro.prev == nil {
			ro.event("", nil, "aborted; its containers are gone")
		} else {
			ro.event("", nil, "aborted: revision %d is live again", ro.liveNumber())
		}
	case errors.Is(err, errUndoFailed):
		ro.setOutcome(OutcomeFailed, err.Error())
		ro.event("", nil, "failed and could not go back: %v", err)
	default:
		ro.setOutcome(OutcomeRolledBack, err.Error())
		if ro.prev == nil {
			ro.event("", nil, "failed, and its containers are gone: %v", err)
		} else {
			ro.event("", nil, "rolled back: revision %d is live again (%v)", ro.liveNumber(), err)
		}
	}
}

func (ro *rollout) liveNumber() int {
	if ro.prev == nil {
		return 0
	}
	return ro.prev.Number
}

// roll takes every changed service to the new revision in order, and on
// failure takes the ones already done back.
func (ro *rollout) roll(ctx context.Context) error {
	if err := ro.e.driver.Prepare(ctx, ro.rev.App, ro.app.Resources); err != nil {
		return fmt.Errorf("preparing the host: %w", err)
	}
	var done []*svcRollout
	for _, name := range ro.rev.Changed {
		s, err := ro.service(ctx, name)
		if err == nil {
			err = s.run(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ro.event(name, nil, "%v", err)
			if uerr := ro.undo(ctx, s, done); uerr != nil {
				return fmt.Errorf("%w: %v (then: %v)", errUndoFailed, err, uerr)
			}
			return err
		}
		done = append(done, s)
	}
	ro.retireRemoved(ctx)
	for _, s := range done {
		s.finish()
	}
	return nil
}

// pause waits for promote or abort, or until ctx ends.
func (ro *rollout) pause(ctx context.Context, service, why string) (command, error) {
	ro.setOutcome(OutcomePaused, "")
	ro.event(service, nil, "paused: %s; run `berth rollout promote %s` to go on or `berth rollout abort %s` to go back", why, ro.rev.App, ro.rev.App)
	defer func() {
		ro.setOutcome(OutcomeRunning, "")
		ro.save(false)
	}()
	select {
	case c := <-ro.control:
		return c, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// command returns a pending command without waiting.
func (ro *rollout) command() (command, bool) {
	select {
	case c := <-ro.control:
		return c, true
	default:
		return 0, false
	}
}
