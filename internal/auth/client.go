package auth

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// maxForwardedHops bounds how many X-Forwarded-For entries are read,
// from the right: more than any real chain of proxies.
const maxForwardedHops = 32

// clientAddr returns the address of the client that sent r. It is the
// peer, unless the peer is one of the trusted proxies: then it is the
// right-most address of X-Forwarded-For that is not itself a trusted
// proxy, as nginx's real_ip_recursive reads it. Entries left of that one
// were written by the client or by proxies nobody vouches for, so they
// are never read. An entry that is not an address ends the walk at the
// last proxy that was. The zero Addr is a peer that does not parse.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	addr := parseHost(r.RemoteAddr)
	if !addr.IsValid() || !isTrusted(addr, trusted) {
		return addr
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0 && i >= len(hops)-maxForwardedHops; i-- {
		hop := parseHost(strings.TrimSpace(hops[i]))
		if !hop.IsValid() {
			break
		}
		addr = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return addr
}

// parseHost reads "host:port", "[v6]:port" or a bare address.
func parseHost(s string) netip.Addr {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap().WithZone("")
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	return slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(addr) })
}

// clientKey is what a client's failures count against: its IPv4
// address, or its IPv6 /64, since one host commonly holds a whole /64.
// An address that did not parse counts as one client.
func clientKey(addr netip.Addr) netip.Prefix {
	if !addr.IsValid() {
		return netip.Prefix{}
	}
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}
