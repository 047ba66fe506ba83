package spec

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// maxExpose bounds how many ports one expose range may name.
const maxExpose = 1024

// ports reads ports. compose-go has already turned the short syntax
// into one entry per port, ranges included.
func (p *parser) ports(path []string, ps []types.ServicePortConfig) []driver.PortBinding {
	var out []driver.PortBinding
	for _, pc := range ps {
		b := driver.PortBinding{HostIP: pc.HostIP, HostPort: pc.Published, ContainerPort: int(pc.Target), Protocol: cmp.Or(strings.ToLower(pc.Protocol), "tcp")}
		switch {
		case pc.Target == 0 || pc.Target > 65535:
			p.add(path, "container port %d is out of range 1-65535", pc.Target)
			continue
		case !slices.Contains([]string{"tcp", "udp", "sctp"}, b.Protocol):
			p.add(path, "protocol %q of port %d is not one of tcp, udp, sctp", pc.Protocol, pc.Target)
			continue
		case !hostPort(pc.Published):
			p.add(path, "host port %q of port %d is not a port or a range of ports", pc.Published, pc.Target)
			continue
		}
		if b.HostIP != "" {
			if _, err := netip.ParseAddr(b.HostIP); err != nil {
				p.add(path, "host address %q of port %d is not an IP address", pc.HostIP, pc.Target)
				continue
			}
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b driver.PortBinding) int {
		return cmp.Or(cmp.Compare(a.ContainerPort, b.ContainerPort), cmp.Compare(a.Protocol, b.Protocol),
			cmp.Compare(a.HostIP, b.HostIP), cmp.Compare(a.HostPort, b.HostPort))
	})
	return slices.Compact(out)
}

// hostPort reports whether s is a host port as Compose takes it: none,
// a port, or a range of ports the host picks one of.
func hostPort(s string) bool {
	if s == "" {
		return true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, errA := strconv.ParseUint(lo, 10, 16)
	if !isRange {
		return errA == nil
	}
	b, errB := strconv.ParseUint(hi, 10, 16)
	return errA == nil && errB == nil && a <= b
}

// fixedHostPort reports whether a binding takes one port of the host,
// which two containers cannot both have.
func fixedHostPort(b driver.PortBinding) bool {
	return b.HostPort != "" && b.HostPort != "0" && !strings.Contains(b.HostPort, "-")
}

// expose reads expose: ports and ranges, with an optional protocol,
// each port of a range written on its own ("8080/tcp"); sorted.
func (p *parser) expose(path []string, es types.StringOrNumberList) []string {
	var out []string
	for i, e := range es {
		ports, proto, _ := strings.Cut(e, "/")
		proto = cmp.Or(strings.ToLower(proto), "tcp")
		lo, hi, isRange := strings.Cut(ports, "-")
		if !isRange {
			hi = lo
		}
		a, errA := strconv.ParseUint(lo, 10, 16)
		b, errB := strconv.ParseUint(hi, 10, 16)
		switch {
		case errA != nil || errB != nil || a == 0 || a > b:
			p.add(join(path, strconv.Itoa(i)), "%q is not a port or a range of ports", e)
			continue
		case !slices.Contains([]string{"tcp", "udp", "sctp"}, proto):
			p.add(join(path, strconv.Itoa(i)), "protocol %q is not one of tcp, udp, sctp", proto)
			continue
		case b-a >= maxExpose:
			p.add(join(path, strconv.Itoa(i)), "%q names more than %d ports", e, maxExpose)
			continue
		}
		for n := a; n <= b; n++ {
			out = append(out, strconv.FormatUint(n, 10)+"/"+proto)
		}
	}
	slices.SortFunc(out, func(x, y string) int {
		nx, px, _ := strings.Cut(x, "/")
		ny, py, _ := strings.Cut(y, "/")
		ix, _ := strconv.Atoi(nx)
		iy, _ := strconv.Atoi(ny)
		return cmp.Or(cmp.Compare(ix, iy), cmp.Compare(px, py))
	})
	return slices.Compact(out)
}
