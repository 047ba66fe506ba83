package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/spec"
)

// isJob reports whether service name runs to completion: another
// service of app waits for it with condition
// service_completed_successfully, as a database migration is waited for.
// A job's containers are started by a rollout and left when they exit;
// reconciling never starts them again.
func isJob(app *spec.App, name string) bool {
	for _, svc := range app.Services {
		for _, d := range svc.DependsOn {
			if d.Service == name && d.Condition == spec.ConditionCompleted {
				return true
			}
		}
	}
	return false
}

// runJob starts the job's replicas and waits until every one has
// exited: the rollout goes on when all exited with 0 and fails
// otherwise. An abort stops the wait.
func (s *svcRollout) runJob(ctx context.Context) error {
	n := max(s.svc.Replicas, 1)
	s.ro.event(s.name, nil, "running %d replicas to completion", n)
	for i := range n {
		inst, err := s.ro.e.driver.Start(ctx, containerSpec(s.ro.rev.App, s.svc, s.to, s.nextIdx+i))
		if err != nil {
			return fmt.Errorf("starting the job: %w", err)
		}
		s.ro.e.know(s.ro.rev.App, inst)
		s.new = append(s.new, inst)
	}
	s.nextIdx += n
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for done := map[string]bool{}; len(done) < len(s.new); {
		for _, inst := range s.new {
			if done[inst.ID] {
				continue
			}
			cur, err := s.ro.e.driver.Inspect(ctx, inst.ID)
			if err != nil {
				return fmt.Errorf("%s: %w", inst.Name, err)
			}
			if cur.Alive() {
				continue
			}
			if cur.ExitCode != 0 {
				return fmt.Errorf("%s exited with code %d%s", inst.Name, cur.ExitCode, s.ro.e.lastLines(ctx, inst.ID))
			}
			done[inst.ID] = true
			s.ro.event(s.name, nil, "%s completed", inst.Name)
		}
		if c, ok := s.ro.command(); ok && c == cmdAbort {
			return errAborted
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// lastLines returns the last lines a container wrote, for a message.
func (e *Engine) lastLines(ctx context.Context, id string) string {
	var out bytes.Buffer
	if err := e.driver.Logs(ctx, id, driver.LogOptions{Tail: 5}, &out); err != nil || out.Len() == 0 {
		return ""
	}
	return "; its last lines:\n" + strings.TrimRight(out.String(), "\n")
}

// removeJobRuns removes a job's containers of every placement but p,
// whatever their state: the runs a new one replaced.
func (e *Engine) removeJobRuns(ctx context.Context, app, service string, p Placement) {
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		e.log.Warn("listing a job's earlier runs", "app", app, "service", service, "err", err)
		return
	}
	for _, i := range insts {
		if i.Service != service || placementOf(i) == placementKey(p) {
			continue
		}
		if err := e.driver.Remove(ctx, i.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
			e.log.Warn("removing a job's earlier run", "container", i.Name, "err", err)
		}
	}
}
