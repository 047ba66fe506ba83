package spec

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// health reads x-berth.health over its defaults.
func (p *parser) health(path []string, v any) HTTPHealth {
	h := HTTPHealth{
		Path:               defaultHealthPath,
		Interval:           defaultHealthInterval,
		Timeout:            defaultHealthTimeout,
		HealthyThreshold:   defaultHealthy,
		UnhealthyThreshold: defaultUnhealthy,
	}
	m, ok := p.mapping(path, v, "path", "interval", "timeout", "healthy_threshold", "unhealthy_threshold")
	if !ok {
		return h
	}
	if v, ok := m["path"]; ok {
		if s, ok := p.text(join(path, "path"), v); ok {
			if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, " \t\r\n") {
				p.add(join(path, "path"), "%q is not a URL path: start it with / and leave out spaces", s)
			}
			h.Path = s
		}
	}
	p.positive(join(path, "interval"), m["interval"], &h.Interval)
	p.positive(join(path, "timeout"), m["timeout"], &h.Timeout)
	for key, n := range map[string]*int{"healthy_threshold": &h.HealthyThreshold, "unhealthy_threshold": &h.UnhealthyThreshold} {
		if v, ok := m[key]; ok {
			if t, ok := p.whole(join(path, key), v, 1, 1000); ok {
				*n = t
			}
		}
	}
	return h
}

// positive reads a duration above zero into d, if v is set.
func (p *parser) positive(path []string, v any, d *time.Duration) {
	if v == nil {
		return
	}
	if x, ok := p.duration(path, v); ok {
		if x == 0 {
			p.add(path, "must be more than 0s")
			return
		}
		*d = x
	}
}

// analysis reads x-berth.analysis over its defaults.
func (p *parser) analysis(path []string, v any) Analysis {
	a := Analysis{MaxErrorRate: defaultMaxErrorRate, MinRequests: defaultMinRequests, Window: defaultWindow}
	m, ok := p.mapping(path, v, "max_error_rate", "min_requests", "window")
	if !ok {
		return a
	}
	if v, ok := m["max_error_rate"]; ok {
		if f, ok := p.fraction(join(path, "max_error_rate"), v); ok {
			a.MaxErrorRate = f
		}
	}
	if v, ok := m["min_requests"]; ok {
		if n, ok := p.whole(join(path, "min_requests"), v, 0, math.MaxInt32); ok {
			a.MinRequests = n
		}
	}
	p.positive(join(path, "window"), m["window"], &a.Window)
	return a
}

// steps reads a canary's x-berth.steps: weights rising to at most 100,
// and 100 added as the last step when missing.
func (p *parser) steps(path []string, v any) []CanaryStep {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		p.add(path, "must be a list of steps, like [{weight: 10, pause: 1m}]")
		return nil
	}
	var steps []CanaryStep
	prev := 0
	for i, item := range list {
		at := join(path, strconv.Itoa(i))
		m, ok := p.mapping(at, item, "weight", "pause", "verify")
		if !ok {
			continue
		}
		st := CanaryStep{Manual: true}
		if w, ok := m["weight"]; !ok {
			p.add(at, "a step needs a weight, 1-100")
		} else if st.Weight, ok = p.whole(join(at, "weight"), w, 1, 100); ok {
			if st.Weight <= prev {
				p.add(join(at, "weight"), "%d does not rise above the step before's %d", st.Weight, prev)
			}
			prev = st.Weight
		}
		if pause := m["pause"]; pause != nil && pause != "manual" {
			st.Manual = false
			st.Pause, _ = p.duration(join(at, "pause"), pause)
		}
		if v, ok := m["verify"]; ok {
			st.Verify = p.flag(join(at, "verify"), v)
		}
		steps = append(steps, st)
	}
	if prev < 100 {
		steps = append(steps, CanaryStep{Weight: 100})
	}
	return steps
}
