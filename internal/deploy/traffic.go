package deploy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/proxy"
)

// errPromote ends a watch early because the user promoted the rollout.
var errPromote = errors.New("promoted")

// previewHost is where the new set answers before it takes traffic:
// "shop.example.com" -> "shop-preview.example.com".
func previewHost(host string) string {
	first, rest, found := strings.Cut(host, ".")
	if !found {
		return host + "-preview"
	}
	return first + "-preview." + rest
}

// previewURL is the URL a person opens to see host through the proxy at
// proxyAddr: with the proxy's port unless it is 80.
func previewURL(host, proxyAddr string) string {
	if _, port, err := net.SplitHostPort(proxyAddr); err == nil && port != "" && port != "80" {
		host = net.JoinHostPort(host, port)
	}
	return "http://" + host + "/"
}

// route points the service's host at the old and new sets with the
// given weights. A set without containers is left out, and so is the
// preview of a new set that has none: a route naming a set it does not
// have is invalid, and the proxy would keep the old one.
func (s *svcRollout) route(oldW, newW int) {
	if !s.routed() {
		return
	}
	r := proxy.Route{
		Host:   s.svc.Route.Host,
		Sticky: string(s.svc.Strategy) == "canary",
		Health: healthCheck(s.svc),
	}
	if len(s.old) > 0 {
		r.Sets = append(r.Sets, proxy.Set{Name: s.from.Set, Revision: s.from.Revision, Weight: oldW, Backends: backends(s.old)})
	}
	if len(s.new) > 0 {
		r.Sets = append(r.Sets, proxy.Set{Name: s.to.Set, Revision: s.to.Revision, Weight: newW, Backends: backends(s.new)})
		r.Previews = map[string]string{previewHost(s.svc.Route.Host): s.to.Set}
	}
	s.ro.e.setRoute(r)
}

// routeByCount splits traffic in proportion to each set's replicas, as a
// rolling update does, and reports the new set's share. The count is
// against the service's replicas, which stays the same while old ones
// leave.
func (s *svcRollout) routeByCount() {
	total := len(s.old) + len(s.new)
	if total == 0 || !s.routed() {
		return
	}
	share := 100 * len(s.new) / total
	s.route(100-share, share)
	s.ro.event(s.name, &share, "%d of %s on the new version", len(s.new), count(s.svc.Replicas, "replica"))
}

// retireOld takes k containers of the old set out of service. They
// drain, stop and go in the background; s.retiring waits for them.
func (s *svcRollout) retireOld(ctx context.Context, k int) {
	k = min(k, len(s.old))
	if k == 0 {
		return
	}
	gone := s.old[:k]
	s.old = append([]driver.Instance(nil), s.old[k:]...)
	s.retired = append(s.retired, gone...)
	if s.routed() {
		s.routeByCount()
	}
	s.retiring.Go(func() { s.ro.e.retire(ctx, gone, s.svc.StopGrace) })
}

// retire drains containers that left the proxy, then stops and removes
// them, all at once.
func (e *Engine) retire(ctx context.Context, insts []driver.Instance, grace time.Duration) {
	ctx = context.WithoutCancel(ctx) // finishing what started even if berth stops
	// Reconciles leave these alone: they go by the engine's will, not
	// by drift.
	e.mu.Lock()
	for _, inst := range insts {
		e.retiring[inst.ID] = true
	}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		for _, inst := range insts {
			delete(e.retiring, inst.ID)
		}
		e.mu.Unlock()
	}()
	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Go(func() {
			if err := e.router.Drain(ctx, inst.ID); err != nil {
				e.log.Warn("draining cut requests short", "container", inst.Name, "err", err)
			}
			if err := e.driver.Stop(ctx, inst.ID, grace); err != nil && !errors.Is(err, driver.ErrNotFound) {
				e.log.Warn("stopping a container", "container", inst.Name, "err", err)
			}
			if err := e.driver.Remove(ctx, inst.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
				e.log.Warn("removing a container", "container", inst.Name, "err", err)
			}
		})
	}
	wg.Wait()
}

// watch observes the new set for d: its containers must stay healthy and
// its share of 5xx responses under the analysis threshold. Promote ends
// the watch early (errPromote), abort fails it (errAborted).
func (s *svcRollout) watch(ctx context.Context, d time.Duration) error {
	deadline := s.ro.e.now().Add(d)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if c, ok := s.ro.command(); ok {
			if c == cmdAbort {
				return errAborted
			}
			return errPromote
		}
		if err := s.check(ctx); err != nil {
			return err
		}
		if !s.ro.e.now().Before(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// check looks at the new set once.
func (s *svcRollout) check(ctx context.Context) error {
	if !s.routed() {
		for _, inst := range s.new {
			cur, err := s.ro.e.driver.Inspect(ctx, inst.ID)
			if err != nil || !cur.Running() || cur.Health == "unhealthy" {
				return fmt.Errorf("%s stopped or became unhealthy", inst.Name)
			}
		}
		return nil
	}
	for _, inst := range s.new {
		if healthy, known := s.ro.e.router.Healthy(inst.ID); known && !healthy {
			return fmt.Errorf("%s failed its health checks", inst.Name)
		}
	}
	a := s.svc.Analysis
	st := s.ro.e.router.Stats(s.svc.Route.Host, s.to.Set, s.to.Revision, a.Window)
	if st.Requests >= int64(a.MinRequests) && st.Requests > 0 {
		if rate := float64(st.Errors) / float64(st.Requests); rate > a.MaxErrorRate {
			return fmt.Errorf("the new version answered %.1f%% of %d requests with 5xx (limit %.1f%%)",
				100*rate, st.Requests, 100*a.MaxErrorRate)
		}
	}
	return nil
}

// sleep waits d unless ctx ends or a command comes.
func (s *svcRollout) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	return s.watch(ctx, d)
}

// count says n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
