package spec

import (
	"slices"
	"strings"
	"time"
)

// Defaults of x-berth.
const (
	defaultHealthPath     = "/"
	defaultHealthInterval = 2 * time.Second
	defaultHealthTimeout  = time.Second
	defaultHealthy        = 1
	defaultUnhealthy      = 2
	defaultMaxErrorRate   = 0.01
	defaultMinRequests    = 20
	defaultWindow         = 30 * time.Second
	defaultKeepPrevious   = 10 * time.Minute
	defaultReadyAfter     = 5 * time.Second
)

// xberthKeys are the keys x-berth knows.
var xberthKeys = []string{"route", "health", "strategy", "steps", "analysis", "keep_previous", "confirm", "ready_after", "shared_volumes", "update", "verify"}

// strategies are the values of x-berth.strategy.
var strategies = []Strategy{StrategyRolling, StrategyBlueGreen, StrategyCanary}

// xberth reads a service's x-berth into s.
func (p *parser) xberth(s *Service, v any, path []string) {
	s.Strategy, s.ReadyAfter = StrategyRolling, defaultReadyAfter
	x, ok := p.mapping(path, v, xberthKeys...)
	if !ok {
		return
	}
	if r, ok := x["route"]; ok {
		s.Route = p.route(join(path, "route"), r)
	}
	known := true
	if sv, ok := x["strategy"]; ok {
		s.Strategy, known = p.strategy(join(path, "strategy"), sv)
	}
	if d, ok := x["ready_after"]; ok {
		s.ReadyAfter, _ = p.duration(join(path, "ready_after"), d)
	}
	if v, ok := x["shared_volumes"]; ok {
		s.SharedVolumes = p.flag(join(path, "shared_volumes"), v)
	}
	if v, ok := x["update"]; ok {
		s.ImagePolicy = p.imagePolicy(s, v, join(path, "update"))
	}
	if v, ok := x["verify"]; ok {
		s.Verify = p.verify(join(path, "verify"), v)
	}
	if _, routed := x["route"]; routed {
		s.Health = p.health(join(path, "health"), x["health"])
		s.Analysis = p.analysis(join(path, "analysis"), x["analysis"])
	} else {
		for _, k := range []string{"health", "analysis"} {
			if _, ok := x[k]; ok {
				p.add(join(path, k), "%s needs a route: the proxy judges the traffic it routes", k)
			}
		}
		if known && s.Strategy != StrategyRolling {
			p.add(join(path, "strategy"), "%s shifts traffic at the proxy and needs a route", s.Strategy)
		}
	}
	if known {
		p.strategyOptions(s, x, path)
		p.verifyOptions(s, x, path)
	}
}

// strategyOptions reads the keys that belong to one strategy.
func (p *parser) strategyOptions(s *Service, x map[string]any, path []string) {
	steps, hasSteps := x["steps"]
	switch {
	case s.Strategy == StrategyCanary && !hasSteps:
		p.add(join(path, "strategy"), "a canary needs steps, like [{weight: 10, pause: 1m}]")
	case s.Strategy == StrategyCanary:
		s.Canary = p.steps(join(path, "steps"), steps)
	case hasSteps:
		p.add(join(path, "steps"), "steps are for strategy canary, not %s", s.Strategy)
	}
	if kp, ok := x["keep_previous"]; ok {
		if s.Strategy != StrategyBlueGreen {
			p.add(join(path, "keep_previous"), "keep_previous is for strategy blue-green, not %s", s.Strategy)
		} else {
			s.KeepPrevious, _ = p.duration(join(path, "keep_previous"), kp)
		}
	} else if s.Strategy == StrategyBlueGreen {
		s.KeepPrevious = defaultKeepPrevious
	}
	if c, ok := x["confirm"]; ok {
		switch s.Strategy {
		case StrategyBlueGreen:
			s.Confirm = p.confirm(join(path, "confirm"), c)
		case StrategyCanary:
			p.add(join(path, "confirm"), "confirm is for strategy blue-green; a canary waits at a step with pause: manual")
		default:
			p.add(join(path, "confirm"), "confirm is for strategy blue-green, not %s", s.Strategy)
		}
	}
}

// strategy reads x-berth.strategy.
func (p *parser) strategy(path []string, v any) (Strategy, bool) {
	s, ok := p.text(path, v)
	if !ok {
		return StrategyRolling, false
	}
	if st := Strategy(s); slices.Contains(strategies, st) {
		return st, true
	}
	p.add(path, "%q is not one of rolling, blue-green, canary", s)
	return StrategyRolling, false
}

// flag reads true or false.
func (p *parser) flag(path []string, v any) bool {
	switch v {
	case true, "true":
		return true
	case false, "false":
		return false
	}
	p.add(path, "must be true or false, not %s", describe(v))
	return false
}

// confirm reads x-berth.confirm: manual or auto, or true or false.
func (p *parser) confirm(path []string, v any) bool {
	switch v {
	case "manual", true:
		return true
	case "auto", false:
		return false
	}
	if s, ok := v.(string); ok {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	p.add(path, "must be manual or auto, not %s", describe(v))
	return false
}
