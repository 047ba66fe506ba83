package clientaddr

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestOf(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote string
		header       http.Header
		want         string
	}{
		{"an untrusted peer is the client, whatever it forwards", "203.0.113.9:4000",
			http.Header{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.9"},
		{"an untrusted peer's Forwarded is not believed either", "203.0.113.9:4000",
			http.Header{"Forwarded": {"for=198.51.100.1"}}, "203.0.113.9"},
		{"a trusted peer's X-Forwarded-For names the client", "10.0.0.2:4000",
			http.Header{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"a spoofed entry left of the proxy's is not read", "10.0.0.2:4000",
			http.Header{"X-Forwarded-For": {"1.2.3.4, 198.51.100.1"}}, "198.51.100.1"},
		{"trusted hops are walked past", "10.0.0.2:4000",
			http.Header{"X-Forwarded-For": {"198.51.100.1, 10.0.0.7"}}, "198.51.100.1"},
		{"Forwarded is read without X-Forwarded-For", "10.0.0.2:4000",
			http.Header{"Forwarded": {`for=1.2.3.4, for="[2001:db8::1]:80";proto=https`}}, "2001:db8::1"},
		{"an entry that is no address stops at the last proxy", "10.0.0.2:4000",
			http.Header{"X-Forwarded-For": {"unknown"}}, "10.0.0.2"},
		{"a trusted peer without forwarded headers is the client", "[::1]:4000", nil, "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tt.remote, Header: tt.header}
			if got := Of(r, trusted).String(); got != tt.want {
				t.Fatalf("Of = %s, want %s", got, tt.want)
			}
		})
	}
}
