package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/spec"
)

// placed lists the running containers of a service at a placement.
func (e *Engine) placed(ctx context.Context, app, service string, p Placement) ([]driver.Instance, error) {
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("listing the containers of %s: %w", app, err)
	}
	var out []driver.Instance
	for _, i := range insts {
		if i.Service == service && i.Revision == p.Revision && i.Set == p.Set && i.Running() {
			out = append(out, i)
		}
	}
	return out, nil
}

// recover settles what a previous run left: a rollout it did not finish
// counts as rolled back, the proxy gets a route to the live containers
// that still run, and every app then converges on its live revision in
// the background, each on its own, so that one app that is slow to come
// back delays no other and no deploy.
func (e *Engine) recover(ctx context.Context) error {
	e.sweepRuns(ctx)
	apps, err := e.store.apps()
	if err != nil {
		return err
	}
	for _, a := range apps {
		if e.store.adoptContainers {
			if err := e.adopt(ctx, a.Name); err != nil {
				return err
			}
		}
		revs, err := e.store.revisions(a.Name, 20)
		if err != nil {
			return err
		}
		for _, r := range revs {
			if r.Outcome.Done() {
				continue
			}
			r.Outcome, r.Finished = OutcomeRolledBack, e.now()
			r.Reason = "berth stopped during the rollout"
			r.Events = append(r.Events, Event{Time: e.now(), Message: fmt.Sprintf(
				"berth stopped during the rollout; going back to revision %d", a.Live)})
			if err := e.store.saveRevision(&r, false); err != nil {
				return err
			}
			e.log.Warn("rolling back a rollout cut short by a stop", "app", a.Name, "revision", r.Number, "live", a.Live)
		}
		if err := e.restoreWarm(ctx, a.Name); err != nil {
			e.log.Warn("finding the previous set kept warm", "app", a.Name, "err", err)
		}
		if err := e.routeLive(ctx, a.Name); err != nil {
			e.log.Warn("routing to the live containers", "app", a.Name, "err", err)
		}
	}
	e.mu.Lock()
	for _, a := range apps {
		e.unsettled[a.Name] = true
	}
	e.mu.Unlock()
	for _, a := range apps {
		e.startReconcile(a.Name)
	}
	return nil
}

// adopt takes every container of app as one berth started, once, for a
// store from before berth recorded them.
func (e *Engine) adopt(ctx context.Context, app string) error {
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		return fmt.Errorf("listing the containers of %s: %w", app, err)
	}
	for _, i := range insts {
		if err := e.store.knowContainer(app, i.ID); err != nil {
			return err
		}
	}
	return nil
}

// routeLive points the proxy at the running containers of app's live
// revision as they are, starting and stopping nothing.
func (e *Engine) routeLive(ctx context.Context, app string) error {
	live, liveApp, err := e.liveOf(app)
	if err != nil || live == nil {
		return err
	}
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		return fmt.Errorf("listing the containers of %s: %w", app, err)
	}
	for _, svc := range liveApp.Services {
		p := live.Services[svc.Name]
		var mine []driver.Instance
		for _, i := range insts {
			if i.Service == svc.Name && placementOf(i) == placementKey(p) && i.Running() {
				mine = append(mine, i)
			}
		}
		e.routeService(svc, p, mine)
	}
	return nil
}

// routeService sends all of a routed service's traffic to the running
// ones of insts, the containers of placement p; nothing is changed while
// none runs.
func (e *Engine) routeService(svc spec.Service, p Placement, insts []driver.Instance) {
	var up []driver.Instance
	for _, i := range insts {
		if i.Running() && i.Addr != "" {
			up = append(up, i)
		}
	}
	if svc.Route == nil || len(up) == 0 {
		return
	}
	e.setRoute(proxy.Route{
		Host:   svc.Route.Host,
		Health: healthCheck(svc),
		Sets:   []proxy.Set{{Name: p.Set, Revision: p.Revision, Weight: 100, Backends: backends(up)}},
	})
}

// reconcile is a convergence of one app in progress.
type reconcile struct {
	cancel context.CancelFunc
	done   chan struct{}
	// again asks for another convergence once this one ends: the host
	// changed while it ran.
	again bool
}

// watch has the host say at once when something of berth's changes, and
// reconciles the app concerned, until the engine closes.
func (e *Engine) watch(w driver.Watcher) {
	for backoff := time.Second; e.ctx.Err() == nil; backoff = min(backoff*2, time.Minute) {
		err := w.Watch(e.ctx, e.poke)
		if e.ctx.Err() != nil {
			return
		}
		e.log.Warn("following the host's events; the periodic check goes on meanwhile", "err", err, "retry_in", backoff)
		select {
		case <-e.ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
}

// poke reconciles app ("" for every app) now, or once the reconcile in
// progress ends.
func (e *Engine) poke(app string) {
	if app != "" {
		e.startReconcile(app)
		return
	}
	apps, err := e.store.apps()
	if err != nil {
		e.log.Error("reconciling", "err", err)
		return
	}
	for _, a := range apps {
		e.startReconcile(a.Name)
	}
}

// reconcileLoop keeps apps without a rollout converged on their live
// revision: a container that stopped, died or was removed by hand is
// replaced, and one that does not belong is removed. Each app converges
// in its own goroutine.
func (e *Engine) reconcileLoop() {
	t := time.NewTicker(e.opts.ReconcileEvery)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			e.stopWarm()
			return
		case <-t.C:
		}
		e.poke("")
	}
}

// startReconcile converges app in the background unless a rollout, a
// removal or another reconcile holds it. A rollout that wants the app
// cancels the reconcile.
func (e *Engine) startReconcile(app string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if rc := e.converging[app]; rc != nil {
		rc.again = true
		return
	}
	if e.rollouts[app] != nil {
		e.poked[app] = true
		return
	}
	if e.closing {
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	rc := &reconcile{cancel: cancel, done: make(chan struct{})}
	e.converging[app] = rc
	e.wg.Go(func() {
		defer func() {
			cancel()
			e.mu.Lock()
			delete(e.converging, app)
			again := rc.again && ctx.Err() == nil
			e.mu.Unlock()
			close(rc.done)
			if again {
				e.startReconcile(app)
			}
		}()
		if err := e.converge(ctx, app); err != nil && ctx.Err() == nil {
			e.log.Error("reconciling", "app", app, "err", err)
		}
	})
}

// converge makes the host run exactly the live revision of app and routes
// its traffic there. What it had to correct, drift, is recorded in the
// app's history.
func (e *Engine) converge(ctx context.Context, app string) error {
	live, liveApp, err := e.liveOf(app)
	if err != nil {
		return err
	}
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		return fmt.Errorf("listing the containers of %s: %w", app, err)
	}
	warm := e.warmIDs()
	known, err := e.store.knownContainers(app)
	if err != nil {
		return err
	}
	present := map[string]bool{}
	for _, i := range insts {
		present[i.ID] = true
	}
	for id := range known {
		if !present[id] {
			// Written only when a container went: a reconcile that
			// finds nothing changed writes nothing.
			if err := e.store.forgetContainers(app, present); err != nil {
				e.log.Warn("forgetting containers that are gone", "app", app, "err", err)
			}
			break
		}
	}
	keep := map[string]bool{}
	var found []drift
	defer func() {
		// The first reconcile after a start settles what the last run
		// left, such as a rollout cut short: that is not drift.
		e.mu.Lock()
		first := e.unsettled[app]
		delete(e.unsettled, app)
		e.mu.Unlock()
		if len(found) > 0 && live != nil && !first {
			e.recordDrift(live, found)
		}
	}()
	if live != nil {
		if err := e.driver.Prepare(ctx, app, liveApp.Resources); err != nil {
			return fmt.Errorf("preparing the host: %w", err)
		}
		for _, svc := range liveApp.Services {
			p := live.Services[svc.Name]
			ids, corrected, err := e.convergeService(ctx, app, svc, p, insts, known, isJob(liveApp, svc.Name))
			for _, id := range ids {
				keep[id] = true
			}
			found = append(found, corrected...)
			if err != nil {
				return fmt.Errorf("service %s: %w", svc.Name, err)
			}
		}
	}
	var stray []driver.Instance
	for _, i := range insts {
		if !keep[i.ID] && !warm[i.ID] {
			stray = append(stray, i)
		}
	}
	if len(stray) > 0 {
		e.log.Info("removing containers that do not belong to the live revision", "app", app, "count", len(stray))
		for _, i := range stray {
			found = append(found, drift{i.Service, fmt.Sprintf("%s belongs to no live revision (revision %d, %s set, %s): removed",
				i.Name, i.Revision, i.Set, i.State)})
		}
		e.retire(ctx, stray, 10*time.Second)
	}
	return nil
}

// convergeService keeps svc at its replica count at placement p and
// returns the IDs of its containers and of those it removed, and what
// it corrected. A container
// the host is restarting under its restart policy counts; one berth did
// not start (known does not hold it: made by hand with berth's labels,
// whatever its configuration), one that runs another image than p's,
// or a routed one that lost its address (its network was taken away),
// is replaced. A job's containers are kept as
// they are, exited or not, and never started again.
func (e *Engine) convergeService(ctx context.Context, app string, svc spec.Service, p Placement, insts []driver.Instance, known map[string]bool, job bool) ([]string, []drift, error) {
	var mine, dead []driver.Instance
	var found []drift
	for _, i := range insts {
		if i.Service != svc.Name || i.Revision != p.Revision || i.Set != p.Set {
			continue
		}
		switch {
		case job:
			mine = append(mine, i)
		case !known[i.ID]:
			found = append(found, drift{svc.Name, fmt.Sprintf("%s was not started by berth (made by hand with its labels): replaced", i.Name)})
			dead = append(dead, i)
		case !i.Alive():
			found = append(found, drift{svc.Name, fmt.Sprintf("%s had stopped (%s, exit code %d): replaced", i.Name, i.State, i.ExitCode)})
			dead = append(dead, i)
		case i.Image != p.Image:
			found = append(found, drift{svc.Name, fmt.Sprintf("%s ran %s instead of %s: replaced", i.Name, i.Image, p.Image)})
			dead = append(dead, i)
		case svc.Route != nil && i.Running() && i.Addr == "":
			found = append(found, drift{svc.Name, fmt.Sprintf("%s had no address on the app's network: replaced", i.Name)})
			dead = append(dead, i)
		default:
			mine = append(mine, i)
		}
	}
	for _, d := range dead {
		if err := e.driver.Remove(ctx, d.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
			e.log.Warn("removing a stopped container", "container", d.Name, "err", err)
		}
	}
	// What is removed here is handled: the caller must not take it for
	// a stray and report it twice.
	var handled []string
	for _, d := range dead {
		handled = append(handled, d.ID)
	}
	if extra := len(mine) - svc.Replicas; extra > 0 && !job {
		found = append(found, drift{svc.Name, fmt.Sprintf("%d replicas ran, %d wanted: %d removed", len(mine), svc.Replicas, extra)})
		e.retire(ctx, mine[svc.Replicas:], svc.StopGrace)
		for _, r := range mine[svc.Replicas:] {
			handled = append(handled, r.ID)
		}
		mine = mine[:svc.Replicas]
	}
	var err error
	if missing := svc.Replicas - len(mine); missing > 0 && !job {
		if missing > len(dead) {
			found = append(found, drift{svc.Name, fmt.Sprintf("%d of %d replicas were missing: started again", missing-len(dead), svc.Replicas)})
		}
		e.log.Info("replacing missing replicas", "app", app, "service", svc.Name, "count", missing)
		if err = e.driver.Pull(ctx, p.Image, svc.PullPolicy); err == nil {
			var started []driver.Instance
			started, err = e.startReady(ctx, app, svc, p, maxIndex(mine, dead)+1, missing, func(string) {})
			mine = append(mine, started...)
		}
	}
	if ctx.Err() == nil {
		e.routeService(svc, p, mine)
	}
	ids := handled
	for _, m := range mine {
		ids = append(ids, m.ID)
	}
	return ids, found, err
}
