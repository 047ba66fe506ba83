package server

import (
	"net"
	"testing"
)

func TestResolverKnowsItsOwnNames(t *testing.T) {
	r := newResolver(nil, &net.TCPAddr{IP: net.IPv4zero, Port: 5000}, nil)
	if r.pullHost != "127.0.0.1:5000" {
		t.Errorf("pull host for a wildcard listener: %s, want 127.0.0.1:5000", r.pullHost)
	}
	for _, h := range []string{"127.0.0.1:5000", "localhost:5000", "[::1]:5000"} {
		if !r.self[h] {
			t.Errorf("%s is not recognised as this registry", h)
		}
	}
	if r.self["127.0.0.1:5001"] || r.self["example.com:5000"] {
		t.Error("another registry was taken for this one")
	}
}
