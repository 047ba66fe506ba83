package bench

import (
	"errors"
	"net/url"
	"testing"

	"github.com/opencontainers/go-digest"
)

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatalf("parsing %q: %v", s, err)
	}
	return u
}

func TestResolveLocation(t *testing.T) {
	const req = "http://h:5000/v2/bench/x/blobs/uploads/"
	tests := []struct {
		name string
		loc  string
		want string
		ok   bool
	}{
		{"an absolute location is used as is", "http://other:9/up/1?s=a", "http://other:9/up/1?s=a", true},
		{"a path-absolute location takes the request's host", "/v2/bench/x/blobs/uploads/abc?_state=z", "http://h:5000/v2/bench/x/blobs/uploads/abc?_state=z", true},
		{"a path-relative location resolves against the request path", "abc", "http://h:5000/v2/bench/x/blobs/uploads/abc", true},
		{"a scheme-relative location takes the request's scheme", "//cdn/up", "http://cdn/up", true},
		{"an empty location is an error", "", "", false},
		{"an unparsable location is an error", "http://[::1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveLocation(mustURL(t, req), tt.loc)
			if (err == nil) != tt.ok {
				t.Fatalf("resolveLocation(%q) error = %v, want ok=%v", tt.loc, err, tt.ok)
			}
			if err != nil {
				return
			}
			if got.String() != tt.want {
				t.Fatalf("resolveLocation(%q) = %q, want %q", tt.loc, got, tt.want)
			}
		})
	}
	t.Run("a missing location is ErrNoLocation", func(t *testing.T) {
		if _, err := resolveLocation(mustURL(t, req), ""); !errors.Is(err, ErrNoLocation) {
			t.Fatalf("error = %v, want ErrNoLocation", err)
		}
	})
}

func TestWithDigest(t *testing.T) {
	d := digest.FromString("x")
	param := "digest=sha256%3A" + d.Encoded()
	tests := []struct {
		name string
		loc  string
		want string
	}{
		{"a location without a query gets one", "http://h/up/1", "http://h/up/1?" + param},
		{"a location with a query keeps it and gets another parameter", "http://h/up/1?_state=a%2Bb%3D", "http://h/up/1?_state=a%2Bb%3D&" + param},
		{"a location ending in a bare question mark gets the parameter", "http://h/up/1?", "http://h/up/1?" + param},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustURL(t, tt.loc)
			before := u.String()
			got := withDigest(u, d).String()
			if got != tt.want {
				t.Fatalf("withDigest(%q) = %q, want %q", tt.loc, got, tt.want)
			}
			if u.String() != before {
				t.Fatalf("withDigest changed its input from %q to %q", before, u)
			}
		})
	}
}

func TestNextLink(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"no header has no next link", nil, ""},
		{"a quoted next relation is found", []string{`</v2/r/tags/list?n=100&last=t00099>; rel="next"`}, "/v2/r/tags/list?n=100&last=t00099"},
		{"an unquoted next relation is found", []string{`<http://h/v2/r/tags/list?last=b>; rel=next`}, "http://h/v2/r/tags/list?last=b"},
		{"relations are not case-sensitive", []string{`</p2>; REL="Next"`}, "/p2"},
		{"a previous link alone is not next", []string{`</p0>; rel="prev"`}, ""},
		{"the next link is found after another in one header", []string{`</p0>; rel="prev", </p2>; rel="next"`}, "/p2"},
		{"the next link is found in a second header", []string{`</p0>; rel="prev"`, `</p2>; rel="next"`}, "/p2"},
		{"a relation list holding next counts", []string{`</p2>; rel="last next"`}, "/p2"},
		{"a comma inside a quoted parameter does not split links", []string{`</p0>; title="a, b"; rel="prev", </p2>; rel="next"`}, "/p2"},
		{"other parameters before rel are skipped", []string{`</p2>; type="application/json"; rel="next"`}, "/p2"},
		{"a malformed header has no next link", []string{`/p2; rel="next"`}, ""},
		{"an unterminated target has no next link", []string{`</p2; rel="next"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextLink(tt.values); got != tt.want {
				t.Fatalf("nextLink(%q) = %q, want %q", tt.values, got, tt.want)
			}
		})
	}
}
