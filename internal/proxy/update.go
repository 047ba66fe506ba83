package proxy

import (
	"fmt"
	"maps"
	"slices"
)

// Set adds the route for r.Host, or replaces it, atomically. Backends that
// stay keep their health; new ones count as healthy; backends that are
// left in no route drain.
func (p *Proxy) Set(r Route) error {
	rt, err := r.normalized()
	if err != nil {
		return fmt.Errorf("setting route %s: %w", r.Host, err)
	}
	if err := p.set(rt); err != nil {
		return err
	}
	p.changed()
	return nil
}

// set publishes the normalized route rt.
func (p *Proxy) set(rt Route) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("setting route %s: %w", rt.Host, ErrClosed)
	}
	routes := maps.Clone(p.routes)
	routes[rt.Host] = rt
	if err := checkRoutes(routes); err != nil {
		return fmt.Errorf("setting route %s: %w", rt.Host, err)
	}
	p.apply(routes)
	return nil
}

// Remove takes the route for host away; its backends that are left in no
// route drain. Removing an unknown host does nothing.
func (p *Proxy) Remove(host string) {
	host = canonicalHost(host)
	p.mu.Lock()
	if _, ok := p.routes[host]; !ok {
		p.mu.Unlock()
		return
	}
	routes := maps.Clone(p.routes)
	delete(routes, host)
	p.apply(routes)
	p.mu.Unlock()
	p.changed()
}

// changed tells Options.OnChange, if set, that the state changed.
// Callers hold none of the proxy's locks.
func (p *Proxy) changed() {
	if p.opts.OnChange != nil {
		p.opts.OnChange()
	}
}

// checkRoutes finds conflicts between routes: a host served twice, or a
// backend ID with two addresses.
func checkRoutes(routes map[string]Route) error {
	owner := make(map[string]string)
	addrs := make(map[string]string)
	for _, host := range slices.Sorted(maps.Keys(routes)) {
		r := routes[host]
		hosts := append([]string{host}, slices.Sorted(maps.Keys(r.Previews))...)
		for _, h := range hosts {
			if o, ok := owner[h]; ok {
				return fmt.Errorf("%w: %s is served by route %s", ErrHostTaken, h, o)
			}
			owner[h] = host
		}
		for _, s := range r.Sets {
			for _, b := range s.Backends {
				if a, ok := addrs[b.ID]; ok && a != b.Addr {
					return fmt.Errorf("%w: backend %s is at %s in another route, not %s", ErrInvalidRoute, b.ID, a, b.Addr)
				}
				addrs[b.ID] = b.Addr
			}
		}
	}
	return nil
}

// want is the backend the routes ask for: where it is and how to check it.
type want struct {
	addr string
	hc   HealthCheck
}

// apply publishes the table for routes and brings backends, their health
// checks and the stats in line with it. Callers hold p.mu.
func (p *Proxy) apply(routes map[string]Route) {
	wanted := make(map[string]want)
	for _, host := range slices.Sorted(maps.Keys(routes)) {
		for _, s := range routes[host].Sets {
			for _, b := range s.Backends {
				if _, ok := wanted[b.ID]; !ok {
					wanted[b.ID] = want{addr: b.Addr, hc: routes[host].Health}
				}
			}
		}
	}
	for id := range wanted {
		b := p.backends[id]
		if b == nil {
			b = newBackend(id)
			p.backends[id] = b
		}
		b.draining.Store(false)
	}
	p.table.Store(p.build(routes))
	p.routes = routes

	for id, b := range p.backends {
		if _, ok := wanted[id]; ok {
			continue
		}
		if !b.draining.Swap(true) {
			p.stopChecks(b)
			p.log.Debug("backend draining", "backend", id)
		}
		// The count is read after draining is set: zero means no request
		// can still be on its way to b.
		if b.inflight.Load() == 0 {
			delete(p.backends, id)
		}
	}
	for id, w := range wanted {
		p.startChecks(p.backends[id], w)
	}
	p.pruneSeries()
}
