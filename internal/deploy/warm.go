package deploy

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// warmSet is the old set of a blue-green service, kept running after the
// switch until its time is up, so that going back is instant.
type warmSet struct {
	placement string // revision/set of its containers
	insts     []driver.Instance
	grace     time.Duration
	timer     *time.Timer
}

func warmKey(app, service string) string { return app + "/" + service }

// keepWarm keeps insts running for d, then retires them. A set kept warm
// before for the same service is retired now.
func (e *Engine) keepWarm(app, service string, insts []driver.Instance, grace, d time.Duration) {
	key := warmKey(app, service)
	w := &warmSet{placement: placementOf(insts[0]), insts: insts, grace: grace}
	e.mu.Lock()
	prev := e.warm[key]
	w.timer = time.AfterFunc(d, func() { e.coolDown(key, w) })
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

// warmIDs lists the containers kept warm, which reconciling leaves alone.
func (e *Engine) warmIDs() map[string]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := map[string]bool{}
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
