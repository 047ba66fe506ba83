package spec

import (
	"fmt"

	"github.com/berth-dev/berth/internal/driver"
)

// exclusive is why two containers of a service cannot run at once.
type exclusive struct {
	what string // "named volume data, which it writes to"
	// shareable says x-berth.shared_volumes lifts it.
	shareable bool
}

// sharedVolumesHint is how to say a service may share its volumes.
const sharedVolumesHint = "x-berth.shared_volumes: true if its containers may write to its volumes side by side"

// exclusives lists why two containers of s cannot run at once: a named
// volume it writes to (unless the spec says the service can share it),
// a host port it publishes, a fixed address.
func exclusives(s *Service) []exclusive {
	var out []exclusive
	for _, m := range s.Runtime.Mounts {
		if m.Type == driver.MountVolume && !m.ReadOnly && !s.SharedVolumes {
			out = append(out, exclusive{fmt.Sprintf("named volume %s, which it writes to", m.Source), true})
		}
	}
	for _, b := range s.Runtime.Ports {
		if fixedHostPort(b) {
			out = append(out, exclusive{fmt.Sprintf("host port %s/%s", b.HostPort, b.Protocol), false})
		}
	}
	for _, n := range s.Runtime.Networks {
		for _, a := range []string{n.IPv4Address, n.IPv6Address, n.MacAddress} {
			if a != "" {
				out = append(out, exclusive{fmt.Sprintf("the fixed address %s on network %s", a, n.Name), false})
			}
		}
	}
	return out
}

// stateful applies the rules for a service that must not have two
// containers at once: it rolls stop-first unless the spec says
// otherwise, and start-first, blue-green, canary and more than one
// replica are refused.
func (p *parser) stateful(s *Service, at func(...string) []string) {
	ex := exclusives(s)
	if len(ex) == 0 {
		return
	}
	var whats []string
	shareable := true
	for _, e := range ex {
		whats = append(whats, e.what)
		shareable = shareable && e.shareable
	}
	why := "they cannot share " + words(whats, "and")
	or := ""
	if shareable {
		or = ", or set " + sharedVolumesHint
	}
	for _, u := range []struct {
		cfg *UpdateConfig
		key string
	}{{&s.Update, "update_config"}, {&s.Rollback, "rollback_config"}} {
		switch {
		case !u.cfg.OrderSet:
			u.cfg.Order = OrderStopFirst
		case u.cfg.Order == OrderStartFirst:
			p.add(at("deploy", u.key, "order"), "start-first runs a new container beside the old one, and %s; use stop-first%s", why, or)
		}
	}
	if s.Strategy == StrategyBlueGreen || s.Strategy == StrategyCanary {
		p.add(at("x-berth", "strategy"), "%s runs the new set beside the old one, and %s; use rolling%s", s.Strategy, why, or)
	}
	if s.Replicas > 1 {
		path := at("deploy", "replicas")
		if !p.has(path) {
			path = at("scale")
		}
		p.add(path, "%d replicas would run at once, and %s; run one%s", s.Replicas, why, or)
	}
}

// Exclusive reports whether two containers of the service cannot run at
// once (a named volume it writes to without shared_volumes, a fixed host
// port, a fixed address): the engine then stops an old container before
// it starts a new one, when it rolls and when it reverts.
func (s Service) Exclusive() bool { return len(exclusives(&s)) > 0 }
