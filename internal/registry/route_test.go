package registry

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseRoute(t *testing.T) {
	tests := []struct {
		name string
		path string
		want route
		ok   bool
	}{
		{"the base endpoint", "/v2/", route{end: endBase}, true},
		{"the base endpoint without a slash", "/v2", route{end: endBase}, true},
		{"the catalog", "/v2/_catalog", route{end: endCatalog}, true},
		{"a nested name's tags", "/v2/a/b/c/tags/list", route{end: endTags, name: "a/b/c"}, true},
		{"a manifest by tag", "/v2/app/manifests/v1", route{end: endManifest, name: "app", arg: "v1"}, true},
		{"a name that contains an endpoint word", "/v2/x/manifests/y/manifests/v1", route{end: endManifest, name: "x/manifests/y", arg: "v1"}, true},
		{"a blob", "/v2/app/blobs/sha256:ab", route{end: endBlob, name: "app", arg: "sha256:ab"}, true},
		{"the upload collection", "/v2/app/blobs/uploads/", route{end: endUploads, name: "app"}, true},
		{"the upload collection without a slash", "/v2/app/blobs/uploads", route{end: endUploads, name: "app"}, true},
		{"an upload session", "/v2/a/b/blobs/uploads/123", route{end: endUpload, name: "a/b", arg: "123"}, true},
		{"referrers", "/v2/app/referrers/sha256:ab", route{end: endReferrers, name: "app", arg: "sha256:ab"}, true},
		{"a path outside /v2", "/v3/app/tags/list", route{}, false},
		{"a /v2 prefix without a separator", "/v2x/app/tags/list", route{}, false},
		{"a name alone", "/v2/app", route{}, false},
		{"an unknown endpoint", "/v2/app/things/list", route{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRoute(tt.path)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("parseRoute(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseRoute(f *testing.F) {
	for _, p := range []string{"/v2/", "/v2/a/b/manifests/v1", "/v2/a/blobs/uploads/x", "/v2/_catalog", "/v2//tags/list", "/v2/a/referrers/sha256:0"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		rt, ok := parseRoute(path)
		if !ok {
			return
		}
		if !strings.HasPrefix(path, "/v2") {
			t.Fatalf("routed %q outside /v2", path)
		}
		// The parts must come from the path, in order, unaltered.
		if rt.name != "" && !strings.Contains(path, rt.name) || rt.arg != "" && !strings.HasSuffix(path, rt.arg) {
			t.Fatalf("route %+v does not come from %q", rt, path)
		}
		if strings.Contains(rt.arg, "/") {
			t.Fatalf("argument %q holds a slash", rt.arg)
		}
	})
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		start, end int64
		ok         bool
	}{
		{"the spec's form", "0-99", 0, 99, true},
		{"a bytes prefix with a space", "bytes 100-199", 100, 199, true},
		{"a bytes= prefix", "bytes=5-5", 5, 5, true},
		{"an end before the start", "10-5", 0, 0, false},
		{"a negative start", "-1-5", 0, 0, false},
		{"a missing end", "5-", 0, 0, false},
		{"no dash", "5", 0, 0, false},
		{"an overflowing number", "0-99999999999999999999", 0, 0, false},
		{"a total length suffix", "0-5/6", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e, err := parseContentRange(tt.in)
			if (err == nil) != tt.ok || s != tt.start || e != tt.end {
				t.Fatalf("parseContentRange(%q) = %d, %d, %v", tt.in, s, e, err)
			}
		})
	}
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"0-0", "bytes 1-2", "bytes=3-4", "9-1", "", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, end, err := parseContentRange(s)
		if err == nil && (start < 0 || end < start) {
			t.Fatalf("accepted %q as %d-%d", s, start, end)
		}
	})
}

func TestStreamable(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		header map[string]string
		want   bool
	}{
		{"a whole blob for an IPv4 loopback peer", "127.0.0.1:4000", nil, true},
		{"a whole blob for an IPv6 loopback peer", "[::1]:4000", nil, true},
		{"a remote peer", "192.0.2.7:4000", nil, false},
		{"a range request", "127.0.0.1:4000", map[string]string{"Range": "bytes=0-9"}, false},
		{"a conditional request", "127.0.0.1:4000", map[string]string{"If-None-Match": `"x"`}, false},
		{"an address without a port", "127.0.0.1", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/v2/a/blobs/x", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := streamable(r); got != tt.want {
				t.Fatalf("streamable = %v, want %v", got, tt.want)
			}
		})
	}
}
