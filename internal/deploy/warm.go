package deploy

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/spec"
)

// warmSet is the old set of a blue-green service, kept running after the
// switch until its time is up, so that going back is instant.
type warmSet struct {
	placement string // revision/set of its containers
	insts     []driver.Instance
	grace     time.Duration
	timer     *time.Timer
	until     time.Time // when the timer retires it
}

func warmKey(app, service string) string { return app + "/" + service }

// keepWarm keeps insts running for d, then retires them. A set kept warm
// before for the same service is retired now.
func (e *Engine) keepWarm(app, service string, insts []driver.Instance, grace, d time.Duration) {
	key := warmKey(app, service)
	w := &warmSet{placement: placementOf(insts[0]), insts: insts, grace: grace, until: e.now().Add(d)}
	e.mu.Lock()
	prev := e.warm[key]
	// The timer's goroutine hands the work to one Close waits for.
	w.timer = time.AfterFunc(d, func() { e.spawn(func() { e.coolDown(key, w) }) })
	e.warm[key] = w
	e.mu.Unlock()
	if prev != nil && prev.timer.Stop() {
		e.retire(context.WithoutCancel(e.ctx), prev.insts, prev.grace)
	}
}

// coolDown retires a warm set whose time is up.
func (e *Engine) coolDown(key string, w *warmSet) {
	e.mu.Lock()
	if e.warm[key] != w {
		e.mu.Unlock()
		return
	}
	delete(e.warm, key)
	e.mu.Unlock()
	if e.ctx.Err() == nil {
		e.retire(context.WithoutCancel(e.ctx), w.insts, w.grace)
	}
}

// takeWarm hands over the warm set of a service if its containers are at
// placement p, for a rollback that reuses them.
func (e *Engine) takeWarm(app, service string, p Placement) []driver.Instance {
	key := warmKey(app, service)
	e.mu.Lock()
	defer e.mu.Unlock()
	w := e.warm[key]
	if w == nil || w.placement != placementKey(p) || !w.timer.Stop() {
		return nil
	}
	delete(e.warm, key)
	return w.insts
}

// warmIDs lists the containers kept warm, and those being retired, which
// reconciling leaves alone.
func (e *Engine) warmIDs() map[string]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := maps.Clone(e.retiring)
	for _, w := range e.warm {
		for _, i := range w.insts {
			ids[i.ID] = true
		}
	}
	return ids
}

// stopWarm cancels every timer; the sets are left to the next start,
// which removes what is not live.
func (e *Engine) stopWarm() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, w := range e.warm {
		w.timer.Stop()
		delete(e.warm, k)
	}
}

// restoreWarm finds again, after a restart, the old set that a blue-green
// switch of the live revision keeps warm, so that `berth rollback` stays
// instant: the running containers of the service labelled with an older
// revision than the live one, all of one placement, while keep_previous
// has not run out since the switch. Containers of a rollout that a stop
// cut short carry a later revision and are left to converge, which
// removes them; so is a set that cannot be told apart.
func (e *Engine) restoreWarm(ctx context.Context, app string) error {
	live, liveApp, err := e.liveOf(app)
	if err != nil || live == nil || live.Outcome != OutcomeSucceeded || live.Finished.IsZero() {
		return err
	}
	var insts []driver.Instance
	for _, svc := range liveApp.Services {
		left := live.Finished.Add(svc.KeepPrevious).Sub(e.now())
		if svc.Route == nil || svc.Strategy != spec.StrategyBlueGreen || svc.KeepPrevious <= 0 || left <= 0 {
			continue
		}
		if insts == nil {
			if insts, err = e.driver.List(ctx, app); err != nil {
				return fmt.Errorf("listing the containers of %s: %w", app, err)
			}
		}
		warm := previousSet(insts, svc.Name, live.Number, placementKey(live.Services[svc.Name]))
		if len(warm) == 0 {
			continue
		}
		e.keepWarm(app, svc.Name, warm, svc.StopGrace, left)
		e.log.Info("keeping the previous set warm again after a restart", "app", app, "service", svc.Name,
			"placement", placementOf(warm[0]), "containers", len(warm), "for", left.Round(time.Second))
	}
	return nil
}

// previousSet returns the running containers of service from before
// revision live that are not at the live placement, if they all share one
// placement; nil otherwise.
func previousSet(insts []driver.Instance, service string, live int, livePlacement string) []driver.Instance {
	var set []driver.Instance
	for _, i := range insts {
		if i.Service != service || !i.Running() || i.Revision >= live || placementOf(i) == livePlacement {
			continue
		}
		if len(set) > 0 && placementOf(i) != placementOf(set[0]) {
			return nil
		}
		set = append(set, i)
	}
	return set
}
