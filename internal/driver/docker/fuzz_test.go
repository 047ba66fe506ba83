package docker

import (
	"fmt"
	"testing"
)

// The driver reads back what it wrote into the daemon's config and its
// own labels, which anyone with the Docker socket can change: reading
// never panics, and what it reads writes back the same.

func FuzzParseTmpfs(f *testing.F) {
	for _, s := range []string{"", "ro,size=1048576,mode=1777,noexec", "size=10m", "mode=x,uid=1000", "rw,,mode=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, opts string) {
		m := parseTmpfs("/t", opts)
		again := parseTmpfs("/t", tmpfsOptions(m))
		if asString(again) != asString(m) {
			t.Fatalf("parseTmpfs(%q) = %s, but written back and read again %s", opts, asString(m), asString(again))
		}
	})
}

func FuzzParseBind(f *testing.F) {
	for _, s := range []string{"/a:/b", "/a:/b:ro,z,rslave", "/a", "a:b:c:d", "/a:/b:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := parseBind(s)
		if !ok {
			return
		}
		again, ok := parseBind(bindString(m))
		if !ok || asString(again) != asString(m) {
			t.Fatalf("parseBind(%q) = %s, but written back and read again %s", s, asString(m), asString(again))
		}
	})
}

func FuzzParseNetworkLabel(f *testing.F) {
	for _, s := range []string{"", "default=berth-shop", "back=berth-i-shop-back-abcdef=10,default=x", "=,=,a=b=c=d", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		joined := parseNetworkLabel(s)
		nets := make([]attachment, len(joined))
		for i, j := range joined {
			nets[i] = attachment{spec: j.spec, host: j.host, priority: j.priority}
		}
		again := parseNetworkLabel(networkLabel(nets))
		if fmt.Sprint(again) != fmt.Sprint(joined) {
			t.Fatalf("parseNetworkLabel(%q) = %+v, but written back and read again %+v", s, joined, again)
		}
	})
}
