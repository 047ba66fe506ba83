package publish_test

import (
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/publish"
	"github.com/berth-dev/berth/internal/registry"
)

// testRegistry is berth's registry on stores in a temporary directory,
// served in process behind a proxy that records every request and can
// be told to answer some itself.
type testRegistry struct {
	t    testing.TB
	host string // host:port of the proxy, on 127.0.0.1

	mu        sync.Mutex
	requests  []string // "METHOD /path" as they reached the proxy
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

// registryOptions configure a test registry.
type registryOptions struct {
	guard meta.TagGuard // makes tags immutable
	auth  *config.Auth  // accounts; nil lets anyone do anything
}

// startRegistry starts a registry.
func startRegistry(t testing.TB, opts registryOptions) *testRegistry {
	t.Helper()
	dir := t.TempDir()
	db, err := meta.Open(dir + "/meta.db")
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	ropts := registry.Options{Guard: opts.guard}
	handler := http.Handler(nil)
	if opts.auth != nil {
		svc, err := auth.New(*opts.auth, filepath.Join(dir, "token.key"), log)
		if err != nil {
			t.Fatal(err)
		}
		ropts.Authorizer = svc
		mux := http.NewServeMux()
		mux.Handle("/token", svc.TokenHandler())
		handler = mux
	}
	reg := registry.New(blobs, db, log, ropts)
	if mux, ok := handler.(*http.ServeMux); ok {
		mux.Handle("/", reg)
	} else {
		handler = reg
	}
	backend := httptest.NewServer(handler)
	u, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ErrorLog = stdlog.New(io.Discard, "", 0) // cancelled requests are expected
	r := &testRegistry{t: t}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requests = append(r.requests, req.Method+" "+req.URL.Path)
		intercept := r.intercept
		r.mu.Unlock()
		if intercept != nil && intercept(w, req) {
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(func() {
		front.Close()
		backend.Close()
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	r.host = strings.TrimPrefix(front.URL, "http://")
	return r
}

// setIntercept makes f see each request first; when it returns true it
// has answered, and the registry does not see the request.
func (r *testRegistry) setIntercept(f func(w http.ResponseWriter, r *http.Request) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.intercept = f
}

// take returns the requests recorded since the last call.
func (r *testRegistry) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.requests
	r.requests = nil
	return out
}

// count returns how many of reqs are method requests whose path
// contains part.
func count(reqs []string, method, part string) int {
	n := 0
	for _, s := range reqs {
		m, p, _ := strings.Cut(s, " ")
		if m == method && strings.Contains(p, part) {
			n++
		}
	}
	return n
}

// pull reads ref (repo:tag or repo@digest on r) back from the registry.
func (r *testRegistry) pull(ref string) v1.Image {
	r.t.Helper()
	parsed, err := name.ParseReference(r.host + "/" + ref)
	if err != nil {
		r.t.Fatal(err)
	}
	img, err := remote.Image(parsed)
	if err != nil {
		r.t.Fatalf("pulling %s: %v", ref, err)
	}
	return img
}

func mustDigest(t testing.TB, img interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func layerDigests(t testing.TB, img v1.Image) []v1.Hash {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []v1.Hash
	for _, l := range m.Layers {
		out = append(out, l.Digest)
	}
	return out
}

// recorder is a Reporter that keeps every Progress.
type recorder struct {
	mu  sync.Mutex
	all []publish.Progress
}

func (r *recorder) Report(p publish.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, p)
}

// last returns the final report, failing when there is none or it is
// not marked done.
func (r *recorder) last(t testing.TB) publish.Progress {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.all) == 0 || !r.all[len(r.all)-1].Done {
		t.Fatalf("no final report among %d", len(r.all))
	}
	return r.all[len(r.all)-1]
}
