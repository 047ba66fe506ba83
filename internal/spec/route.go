package spec

import (
	"cmp"
	"slices"
	"strings"
)

// route reads x-berth.route.
func (p *parser) route(path []string, v any) *Route {
	m, ok := p.mapping(path, v, "host", "port")
	if !ok {
		return nil
	}
	r := &Route{}
	h, hasHost := m["host"]
	if hasHost {
		if host, ok := p.text(join(path, "host"), h); ok {
			r.Host = strings.ToLower(strings.TrimSpace(host))
			if msg := checkHost(r.Host); msg != "" {
				p.add(join(path, "host"), "%q %s", host, msg)
			} else if sfx := p.in.HostSuffix; sfx != "" {
				r.Host += "." + sfx
				if msg := checkHost(r.Host); msg != "" {
					p.add(join(path, "host"), "%q with the environment's host suffix, %q, %s", host, r.Host, msg)
				}
			}
		}
	}
	port, hasPort := m["port"]
	if hasPort {
		r.Port, _ = p.whole(join(path, "port"), port, 1, 65535)
	}
	switch {
	case !hasHost && !hasPort:
		p.add(path, "a route needs a host and a port, like {host: shop.example.com, port: 8080}")
	case !hasHost:
		p.add(path, "a route needs a host; a worker has no route at all")
	case !hasPort:
		p.add(path, "a route needs a port: the container port to send traffic to")
	}
	return r
}

// checkHost says what is wrong with host as a DNS name, "" if nothing.
func checkHost(host string) string {
	if host == "" {
		return "is empty"
	}
	if len(host) > 253 {
		return "is longer than 253 characters"
	}
	for _, label := range strings.Split(host, ".") {
		switch {
		case label == "":
			return "has an empty label (two dots in a row, or a dot at an end)"
		case len(label) > 63:
			return "has a label longer than 63 characters"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "has a label that starts or ends with a hyphen"
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "is not a DNS name: use letters, digits, hyphens and dots"
			}
		}
	}
	return ""
}

// routes refuses two services routing the same host, reporting the one
// further down the file.
func (p *parser) routes(services []Service) {
	line := func(s Service) int { l, _ := p.position([]string{"services", s.Name}); return l }
	byLine := slices.Clone(services)
	slices.SortStableFunc(byLine, func(a, b Service) int { return cmp.Compare(line(a), line(b)) })
	owner := map[string]string{}
	for _, s := range byLine {
		if s.Route == nil || s.Route.Host == "" {
			continue
		}
		if first, ok := owner[s.Route.Host]; ok {
			p.add([]string{"services", s.Name, "x-berth", "route", "host"},
				"%s is already routed to service %s", s.Route.Host, first)
			continue
		}
		owner[s.Route.Host] = s.Name
	}
}
