package proxy

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Backend is one container serving a set.
type Backend struct {
	// ID names the backend for as long as it lives, such as its container
	// ID: health and requests in flight are tracked by it.
	ID string `json:"id"`
	// Addr is where it listens, host:port.
	Addr string `json:"addr"`
}

// Set is a named group of backends running the same revision, such as
// "blue" and "green", or "stable" and "canary".
type Set struct {
	Name string `json:"name"`
	// Revision is the deployer's number for the revision the backends
	// run. Stats and sticky cookies belong to a set name and revision
	// together: a new revision under a reused name starts afresh.
	Revision int `json:"revision"`
	// Weight, 0 to 100, is the set's share of the route's traffic relative
	// to the other sets. A set with weight 0 gets previews only.
	Weight   int       `json:"weight"`
	Backends []Backend `json:"backends"`
}

// HealthCheck says how backends are probed. Without a Path they are not
// probed at all. In JSON, durations are in nanoseconds.
type HealthCheck struct {
	// Path is requested with GET on each backend, such as "/up".
	Path string `json:"path,omitempty"`
	// Interval between probes. Default 1s.
	Interval time.Duration `json:"interval,omitempty"`
	// Timeout of one probe. Default 1s.
	Timeout time.Duration `json:"timeout,omitempty"`
	// HealthyThreshold is how many passes in a row bring a backend back.
	// Default 2.
	HealthyThreshold int `json:"healthy_threshold,omitempty"`
	// UnhealthyThreshold is how many failures in a row take a backend
	// out. Default 3.
	UnhealthyThreshold int `json:"unhealthy_threshold,omitempty"`
}

// Route is how one host is served.
type Route struct {
	// Host is the exact host name, compared case-insensitively, port
	// ignored.
	Host string `json:"host"`
	// Sets share the traffic in proportion to their weights.
	Sets []Set `json:"sets"`
	// Sticky keeps a client on the set it first got, by cookie, while
	// that set has weight.
	Sticky bool `json:"sticky,omitempty"`
	// Health checks every backend of the route.
	Health HealthCheck `json:"health"`
	// Previews maps extra hosts to set names: a request for such a host
	// goes to that set whatever its weight.
	Previews map[string]string `json:"previews,omitempty"`
}

// withDefaults fills in the zero fields of a check that has a path.
func (hc HealthCheck) withDefaults() HealthCheck {
	if hc.Interval == 0 {
		hc.Interval = time.Second
	}
	if hc.Timeout == 0 {
		hc.Timeout = time.Second
	}
	if hc.HealthyThreshold == 0 {
		hc.HealthyThreshold = 2
	}
	if hc.UnhealthyThreshold == 0 {
		hc.UnhealthyThreshold = 3
	}
	return hc
}

func (hc HealthCheck) validate() error {
	if hc.Interval < 0 || hc.Timeout < 0 || hc.HealthyThreshold < 0 || hc.UnhealthyThreshold < 0 {
		return fmt.Errorf("%w: negative health check setting", ErrInvalidRoute)
	}
	if hc.Path != "" && !strings.HasPrefix(hc.Path, "/") {
		return fmt.Errorf("%w: health check path %q does not start with /", ErrInvalidRoute, hc.Path)
	}
	return nil
}

// normalized checks r and returns a copy with canonical hosts and health
// check defaults, sharing nothing with r.
func (r Route) normalized() (Route, error) {
	out := Route{Host: canonicalHost(r.Host), Sticky: r.Sticky, Health: r.Health}
	if out.Host == "" {
		return Route{}, fmt.Errorf("%w: empty host", ErrInvalidRoute)
	}
	if err := r.Health.validate(); err != nil {
		return Route{}, err
	}
	if out.Health.Path != "" {
		out.Health = out.Health.withDefaults()
	}
	names := make(map[string]bool, len(r.Sets))
	ids := make(map[string]bool)
	for _, s := range r.Sets {
		if !validSetName(s.Name) {
			return Route{}, fmt.Errorf("%w: set name %q is not letters, digits, '.', '_' and '-'", ErrInvalidRoute, s.Name)
		}
		if names[s.Name] {
			return Route{}, fmt.Errorf("%w: set %q listed twice", ErrInvalidRoute, s.Name)
		}
		names[s.Name] = true
		if s.Weight < 0 || s.Weight > 100 {
			return Route{}, fmt.Errorf("%w: set %q weight %d outside 0..100", ErrInvalidRoute, s.Name, s.Weight)
		}
		for _, b := range s.Backends {
			if b.ID == "" {
				return Route{}, fmt.Errorf("%w: set %q has a backend without ID", ErrInvalidRoute, s.Name)
			}
			if ids[b.ID] {
				return Route{}, fmt.Errorf("%w: backend %s listed twice", ErrInvalidRoute, b.ID)
			}
			ids[b.ID] = true
			if _, port, err := net.SplitHostPort(b.Addr); err != nil || port == "" {
				return Route{}, fmt.Errorf("%w: backend %s address %q is not host:port", ErrInvalidRoute, b.ID, b.Addr)
			}
		}
		s.Backends = append([]Backend(nil), s.Backends...)
		out.Sets = append(out.Sets, s)
	}
	if len(r.Previews) > 0 {
		out.Previews = make(map[string]string, len(r.Previews))
	}
	for host, set := range r.Previews {
		h := canonicalHost(host)
		switch {
		case h == "" || h == out.Host:
			return Route{}, fmt.Errorf("%w: preview host %q", ErrInvalidRoute, host)
		case !names[set]:
			return Route{}, fmt.Errorf("%w: preview host %s names no set %q", ErrInvalidRoute, h, set)
		}
		out.Previews[h] = set
	}
	return out, nil
}

// canonicalHost lowercases a host and drops its port and trailing dot.
func canonicalHost(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && i > strings.LastIndexByte(h, ']') {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if 'A' <= h[i] && h[i] <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}

// validSetName keeps set names safe as cookie values and log fields.
func validSetName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
