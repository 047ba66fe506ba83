package server

import (
	"net"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
)

// addrRouter is a router that says where it listens.
type addrRouter struct {
	deploy.Router
	addr net.Addr
}

func (r addrRouter) Addr() net.Addr { return r.addr }

func TestTheEnginesReachTheProxyWhereItListens(t *testing.T) {
	at := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8123}
	if got := proxyAddr(addrRouter{addr: at}); got != "127.0.0.1:8123" {
		t.Errorf("proxyAddr = %q, want 127.0.0.1:8123", got)
	}
	if got := proxyAddr(addrRouter{}); got != "" {
		t.Errorf("proxyAddr of a router without an address = %q, want none", got)
	}
	var plain deploy.Router
	if got := proxyAddr(plain); got != "" {
		t.Errorf("proxyAddr of a router that does not say = %q, want none", got)
	}
}
