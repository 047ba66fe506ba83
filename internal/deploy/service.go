package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/spec"
)

// errNotReady reports a new container that did not become healthy.
var errNotReady = errors.New("did not become ready")

// svcRollout moves one service from its old placement to its new one.
type svcRollout struct {
	ro     *rollout
	name   string
	svc    spec.Service  // what runs after
	oldSvc *spec.Service // what ran before; nil for a new service
	to     Placement
	from   *Placement // nil for a new service

	old     []driver.Instance // the old set's containers still serving
	new     []driver.Instance // the new set's containers started so far
	nextIdx int
	retired []driver.Instance // old containers stopped by this rollout
	// retiring counts the retired containers still draining or stopping.
	retiring sync.WaitGroup
}

// service prepares the rollout of one changed service.
func (ro *rollout) service(ctx context.Context, name string) (*svcRollout, error) {
	svc, ok := serviceNamed(ro.app, name)
	if !ok {
		return nil, fmt.Errorf("service %s is not in the spec", name)
	}
	s := &svcRollout{ro: ro, name: name, svc: svc, to: ro.rev.Services[name]}
	if ro.prev != nil {
		if p, ok := ro.prev.Services[name]; ok {
			s.from = &p
			if old, ok := serviceNamed(ro.prevApp, name); ok {
				s.oldSvc = &old
			}
		}
	}
	if s.from != nil {
		insts, err := ro.e.placed(ctx, ro.rev.App, name, *s.from)
		if err != nil {
			return nil, err
		}
		s.old = insts
	}
	if warm := ro.e.takeWarm(ro.rev.App, name, s.to); len(warm) > 0 {
		s.new, s.nextIdx = warm, maxIndex(warm)+1
		ro.event(name, nil, "reusing the %d replicas of revision %d kept warm", len(warm), s.to.Revision)
	}
	return s, nil
}

func serviceNamed(app *spec.App, name string) (spec.Service, bool) {
	if app == nil {
		return spec.Service{}, false
	}
	for _, s := range app.Services {
		if s.Name == name {
			return s, true
		}
	}
	return spec.Service{}, false
}

// routed reports whether the proxy sends traffic to the service.
func (s *svcRollout) routed() bool { return s.svc.Route != nil }

// containerSpec is replica idx of the new set.
func containerSpec(app string, svc spec.Service, p Placement, idx int) driver.ContainerSpec {
	cs := driver.ContainerSpec{
		App: app, Service: svc.Name, Revision: p.Revision, Set: p.Set, Index: idx,
		Image: p.Image, PullPolicy: svc.PullPolicy,
		Entrypoint: svc.Entrypoint, Command: svc.Command, Env: svc.Env, Labels: svc.Labels,
		Health: svc.Healthcheck, StopGrace: svc.StopGrace, Runtime: svc.Runtime,
	}
	if svc.Route != nil {
		cs.Port = svc.Route.Port
	}
	return cs
}

// pull makes the new image available on the host.
func (s *svcRollout) pull(ctx context.Context) error {
	s.ro.event(s.name, nil, "pulling %s (%s)", s.to.Ref, shortDigest(s.to.Digest))
	if err := s.ro.e.driver.Pull(ctx, s.to.Image, s.svc.PullPolicy); err != nil {
		return fmt.Errorf("pulling %s: %w", s.to.Ref, err)
	}
	return nil
}

// startNew starts n replicas of the new set at once and waits until each
// is ready. A replica that fails is removed; the error says why.
func (s *svcRollout) startNew(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	insts, err := s.ro.e.startReady(ctx, s.ro.rev.App, s.svc, s.to, s.nextIdx, n, func(msg string) { s.ro.event(s.name, nil, "%s", msg) })
	s.nextIdx += n
	s.new = append(s.new, insts...)
	return err
}

// know records that berth started inst, so that reconcile trusts it; a
// failure to record it is logged, and costs a replacement at most.
func (e *Engine) know(app string, inst driver.Instance) {
	if err := e.store.knowContainer(app, inst.ID); err != nil {
		e.log.Warn("recording a container berth started", "container", inst.Name, "err", err)
	}
}

// startReady starts n replicas from index first and waits for each to be
// ready; it returns those that are. say reports progress.
func (e *Engine) startReady(ctx context.Context, app string, svc spec.Service, p Placement, first, n int, say func(string)) ([]driver.Instance, error) {
	var (
		mu    sync.Mutex
		ready []driver.Instance
		errs  []error
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			inst, err := e.driver.Start(ctx, containerSpec(app, svc, p, first+i))
			if err == nil {
				e.know(app, inst)
				err = e.ready(ctx, svc, inst)
				if err != nil {
					e.discard(inst)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			ready = append(ready, inst)
		})
	}
	wg.Wait()
	for _, inst := range ready {
		say(fmt.Sprintf("%s is ready", inst.Name))
	}
	return ready, errors.Join(errs...)
}

// ready waits until a new container can take its share: its HTTP health
// check passes for a routed service, its runtime health check or a quiet
// start for a worker.
func (e *Engine) ready(ctx context.Context, svc spec.Service, inst driver.Instance) error {
	ctx, cancel := context.WithTimeout(ctx, e.opts.ReadyTimeout)
	defer cancel()
	if svc.Route == nil {
		return e.workerReady(ctx, svc, inst)
	}
	if err := e.routedReady(ctx, healthCheck(svc), inst); err != nil {
		return fmt.Errorf("%s %w: %v", inst.Name, errNotReady, err)
	}
	return nil
}

// routedReady waits for healthy_threshold health checks in a row to pass.
// It gives up early when the container answers unhealthy_threshold checks
// in a row with an error status, or exits: an app still starting refuses
// connections, which only the ready timeout ends, but one that answers
// "unhealthy" or dies has said enough. Until the app first answers, it is
// asked again after startPoll, doubling up to the interval, so that an
// app that listens a moment after its container starts is not kept
// waiting a whole interval.
func (e *Engine) routedReady(ctx context.Context, hc proxy.HealthCheck, inst driver.Instance) error {
	interval := cmp.Or(hc.Interval, time.Second)
	timeout := cmp.Or(hc.Timeout, time.Second)
	healthy, unhealthy := max(hc.HealthyThreshold, 1), max(hc.UnhealthyThreshold, 1)
	url := "http://" + inst.Addr + hc.Path
	var last error
	answered, poll := false, startPoll
	for passes, bad := 0, 0; ; {
		begun := time.Now()
		err := proxy.Probe(ctx, e.probe, url, timeout)
		var status *proxy.StatusError
		switch {
		case err == nil:
			passes, bad, answered = passes+1, 0, true
		case errors.As(err, &status):
			passes, bad, last, answered = 0, bad+1, err, true
		case ctx.Err() == nil:
			passes, last = 0, err
		}
		if passes >= healthy {
			return nil
		}
		if bad >= unhealthy {
			return fmt.Errorf("%d health checks in a row failed, the last: %w", bad, last)
		}
		if cur, err := e.driver.Inspect(ctx, inst.ID); err == nil && !cur.Running() {
			return fmt.Errorf("it stopped with exit code %d before its health check passed", cur.ExitCode)
		}
		next := interval
		if !answered {
			next, poll = min(poll, interval), poll*2
		}
		select {
		case <-ctx.Done():
			if last == nil {
				return fmt.Errorf("waiting for its health check: %w", ctx.Err())
			}
			return fmt.Errorf("waiting for its health check: %w, the last: %w", ctx.Err(), last)
		case <-time.After(next - time.Since(begun)):
		}
	}
}

// workerReady waits for a worker: healthy by its own check, or still
// running after ReadyAfter.
func (e *Engine) workerReady(ctx context.Context, svc spec.Service, inst driver.Instance) error {
	start := e.now()
	for {
		cur, err := e.driver.Inspect(ctx, inst.ID)
		if err != nil {
			return fmt.Errorf("%s %w: %v", inst.Name, errNotReady, err)
		}
		switch {
		case !cur.Running():
			return fmt.Errorf("%s %w: it stopped with exit code %d", inst.Name, errNotReady, cur.ExitCode)
		case cur.Health == "unhealthy":
			return fmt.Errorf("%s %w: its health check fails", inst.Name, errNotReady)
		// "none": no check runs (the spec's gave timings only and the image
		// has none), so a quiet start is all there is to wait for.
		case cur.Health == "healthy", (cur.Health == "none" || cur.Health == "") && e.now().Sub(start) >= svc.ReadyAfter:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %w: %v", inst.Name, errNotReady, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// discard stops and removes a container that never served.
func (e *Engine) discard(inst driver.Instance) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 30*time.Second)
	defer cancel()
	if err := e.driver.Remove(ctx, inst.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
		e.log.Warn("removing a failed container", "container", inst.Name, "err", err)
	}
}

// startPoll is how soon a container that does not answer yet is asked
// again, the first time; the wait doubles up to the health interval.
const startPoll = 50 * time.Millisecond

func healthCheck(svc spec.Service) proxy.HealthCheck {
	h := svc.Health
	return proxy.HealthCheck{Path: h.Path, Interval: h.Interval, Timeout: h.Timeout,
		HealthyThreshold: h.HealthyThreshold, UnhealthyThreshold: h.UnhealthyThreshold}
}

func shortDigest(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+12 {
		return d[:i+13]
	}
	return d
}

func backends(insts []driver.Instance) []proxy.Backend {
	out := make([]proxy.Backend, 0, len(insts))
	for _, i := range insts {
		out = append(out, proxy.Backend{ID: i.ID, Addr: i.Addr})
	}
	return out
}

// placementOf reads where a container belongs from its labels.
func placementOf(inst driver.Instance) string {
	return strconv.Itoa(inst.Revision) + "/" + inst.Set
}

// placementKey is the same key for a placement.
func placementKey(p Placement) string {
	return strconv.Itoa(p.Revision) + "/" + p.Set
}

// maxIndex is the highest replica index among the containers.
func maxIndex(sets ...[]driver.Instance) int {
	m := -1
	for _, insts := range sets {
		for _, i := range insts {
			m = max(m, i.Index)
		}
	}
	return m
}
