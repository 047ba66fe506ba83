package reference

import (
	"strings"
	"testing"
)

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

// FuzzSplit checks that Split loses nothing: the parts put back together
// are the reference.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"shop/web:v1", "127.0.0.1:5000/a/b:1.4@sha256:00", "[::1]:5000/web", "localhost/x", "a@b:c", ":@/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		host, repo, tag, dgst := Split(ref)
		got := repo
		if host != "" {
			got = host + "/" + got
		}
		if tag != "" {
			got += ":" + tag
		}
		if dgst != "" {
			got += "@" + dgst
		}
		if got != ref && !(strings.HasSuffix(ref, ":") || strings.HasSuffix(ref, "@") || strings.Contains(ref, ":@")) {
			t.Fatalf("Split(%q) = %q %q %q %q, which put together is %q", ref, host, repo, tag, dgst, got)
		}
	})
}
