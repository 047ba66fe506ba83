package reference

import "testing"

func TestSplit(t *testing.T) {
	const d = "sha256:0123456789012345678901234567890123456789012345678901234567890123"
	for _, c := range []struct{ ref, host, repo, tag, dgst string }{
		{"shop/web:v1", "", "shop/web", "v1", ""},
		{"web", "", "web", "", ""},
		{"127.0.0.1:5000/shop/web:v1", "127.0.0.1:5000", "shop/web", "v1", ""},
		{"localhost/web:v1", "localhost", "web", "v1", ""},
		{"registry.example.com/a/b/c@" + d, "registry.example.com", "a/b/c", "", d},
		{"registry.example.com:443/a:v2@" + d, "registry.example.com:443", "a", "v2", d},
		{"[::1]:5000/web:v1", "[::1]:5000", "web", "v1", ""},
		{"team/web", "", "team/web", "", ""},
	} {
		host, repo, tag, dgst := Split(c.ref)
		if host != c.host || repo != c.repo || tag != c.tag || dgst != c.dgst {
			t.Errorf("Split(%q) = %q %q %q %q, want %q %q %q %q", c.ref, host, repo, tag, dgst, c.host, c.repo, c.tag, c.dgst)
		}
	}
}
