package clientaddr

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// maxHops bounds how many forwarded entries are read, from the right:
// more than any real chain of proxies.
const maxHops = 32

// Of returns the address of the client that sent r. It is the peer,
// unless the peer is one of the trusted proxies: then it is the
// right-most forwarded address that is not itself a trusted proxy, as
// nginx's real_ip_recursive reads it. The forwarded addresses are those
// of X-Forwarded-For, or of Forwarded's for= parameters when there is no
// X-Forwarded-For. Entries left of the one returned were written by the
// client or by proxies nobody vouches for, so they are never read. An
// entry that is not an address ends the walk at the last proxy that was.
// The zero Addr is a peer that does not parse.
func Of(r *http.Request, trusted []netip.Prefix) netip.Addr {
	addr := Parse(r.RemoteAddr)
	if !addr.IsValid() || !Trusted(addr, trusted) {
		return addr
	}
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0 && i >= len(hops)-maxHops; i-- {
		hop := Parse(hops[i])
		if !hop.IsValid() {
			break
		}
		addr = hop
		if !Trusted(hop, trusted) {
			break
		}
	}
	return addr
}

// forwardedFor lists the forwarded addresses of h, left to right, as
// written: X-Forwarded-For's, else Forwarded's for= values.
func forwardedFor(h http.Header) []string {
	var hops []string
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, v := range xff {
			for hop := range strings.SplitSeq(v, ",") {
				hops = append(hops, strings.TrimSpace(hop))
			}
		}
		return hops
	}
	for _, v := range h.Values("Forwarded") {
		for elem := range strings.SplitSeq(v, ",") {
			hops = append(hops, forValue(elem))
		}
	}
	return hops
}

// forValue returns the for= parameter of one Forwarded element (RFC
// 7239), unquoted, or "" without one, which is no address.
func forValue(elem string) string {
	for pair := range strings.SplitSeq(elem, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && strings.EqualFold(k, "for") {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// Parse reads "host:port", "[v6]:port", "[v6]" or a bare address.
func Parse(s string) netip.Addr {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap().WithZone("")
}

// Trusted reports whether addr is in one of the trusted ranges.
func Trusted(addr netip.Addr, trusted []netip.Prefix) bool {
	return slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(addr) })
}
