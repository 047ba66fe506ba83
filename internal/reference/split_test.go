package reference

import (
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
		{"localhost:5000/team/web:v1@" + d, "localhost:5000", "team/web", "v1", d},
		{"registry.example.com/web:v1", "registry.example.com", "web", "v1", ""},
		{"web:", "", "web:", "", ""},
		{"web@sha256:00", "", "web@sha256:00", "", ""},
	} {
		host, repo, tag, dgst := Split(c.ref)
		if host != c.host || repo != c.repo || tag != c.tag || dgst != c.dgst {
			t.Errorf("Split(%q) = %q %q %q %q, want %q %q %q %q", c.ref, host, repo, tag, dgst, c.host, c.repo, c.tag, c.dgst)
		}
	}
}

func TestRepository(t *testing.T) {
	for ref, want := range map[string]string{
		"shop/web:v1":                             "shop/web",
		"127.0.0.1:5000/shop/web:v1":              "127.0.0.1:5000/shop/web",
		"localhost/web@sha256:" + zeros64:         "localhost/web",
		"localhost:5000/web:v1@sha256:" + zeros64: "localhost:5000/web",
		"web": "web",
	} {
		if got := Repository(ref); got != want {
			t.Errorf("Repository(%q) = %q, want %q", ref, got, want)
		}
	}
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"

// FuzzSplit checks that Split loses nothing: the parts put back together
// are the reference, or the reference is refused whole.
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
		if got != ref {
			t.Fatalf("Split(%q) = %q %q %q %q, which put together is %q", ref, host, repo, tag, dgst, got)
		}
	})
}
