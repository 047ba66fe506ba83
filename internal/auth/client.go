package auth

import (
	"net/http"
	"net/netip"

	"github.com/berth-dev/berth/internal/clientaddr"
)

// clientAddr returns the address of the client that sent r: see
// clientaddr.Of.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	return clientaddr.Of(r, trusted)
}

// parseHost reads "host:port", "[v6]:port" or a bare address.
func parseHost(s string) netip.Addr { return clientaddr.Parse(s) }

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	return clientaddr.Trusted(addr, trusted)
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
