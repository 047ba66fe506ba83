package proxy

import "sync/atomic"

// table is one immutable version of the routing table. Only the backends'
// state and the round-robin counters change once it is published.
type table struct {
	hosts map[string]entry
}

// entry is what a host leads to: a route, and for a preview host the set
// it previews.
type entry struct {
	route   *route
	preview *set
}

// route is the served form of a Route.
type route struct {
	host   string
	sticky bool
	cookie string
	sets   map[string]*set
	// weighted are the sets with weight, total the sum of their weights.
	weighted []*set
	total    int
}

// set is the served form of a Set.
type set struct {
	name    string
	weight  int
	targets []target
	next    atomic.Uint32
	stats   *series
	// cookie is the sticky cookie's value for the set, on a sticky route.
	cookie string
}

// target is a backend as one set reaches it.
type target struct {
	b    *backend
	addr string
}

// build makes the table for routes; every backend they name must be in
// p.backends. Callers hold p.mu.
func (p *Proxy) build(routes map[string]Route) *table {
	t := &table{hosts: make(map[string]entry, len(routes))}
	for host, r := range routes {
		rt := &route{host: host, sticky: r.Sticky, cookie: cookieName(host), sets: make(map[string]*set, len(r.Sets))}
		for _, s := range r.Sets {
			st := &set{name: s.Name, weight: s.Weight, stats: p.seriesFor(host, s.Name, s.Revision)}
			if r.Sticky {
				st.cookie = stickyValue(p.stickyKey, host, s.Name, s.Revision)
			}
			for _, b := range s.Backends {
				st.targets = append(st.targets, target{b: p.backends[b.ID], addr: b.Addr})
			}
			rt.sets[s.Name] = st
			if s.Weight > 0 {
				rt.weighted = append(rt.weighted, st)
				rt.total += s.Weight
			}
		}
		t.hosts[host] = entry{route: rt}
		for ph, name := range r.Previews {
			t.hosts[ph] = entry{route: rt, preview: rt.sets[name]}
		}
	}
	return t
}
