package registry_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/registry"
)

// testRegistry is a real registry on real stores in a temporary directory,
// served by an in-process HTTP server.
type testRegistry struct {
	t    testing.TB
	dir  string
	opts registry.Options
	srv  *httptest.Server
	db   *meta.DB
	reg  *registry.Registry
	host string
}

func startRegistry(t testing.TB) *testRegistry {
	t.Helper()
	return startRegistryWith(t, registry.Options{})
}

func startRegistryWith(t testing.TB, opts registry.Options) *testRegistry {
	t.Helper()
	r := &testRegistry{t: t, dir: t.TempDir(), opts: opts}
	r.open()
	t.Cleanup(r.close)
	return r
}

func (r *testRegistry) open() {
	r.t.Helper()
	db, err := meta.Open(r.dir + "/meta.db")
	if err != nil {
		r.t.Fatal(err)
	}
	blobs, err := blob.Open(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	r.db = db
	r.reg = registry.New(blobs, db, slog.New(slog.NewTextHandler(io.Discard, nil)), r.opts)
	r.srv = httptest.NewServer(r.reg)
	r.host = strings.TrimPrefix(r.srv.URL, "http://")
}

func (r *testRegistry) close() {
	if r.srv == nil {
		return
	}
	r.srv.Close()
	if err := r.db.Close(); err != nil {
		r.t.Error(err)
	}
	r.srv = nil
}

// restart closes the stores and opens them again on the same directory.
func (r *testRegistry) restart() {
	r.t.Helper()
	r.close()
	r.open()
}

// ref parses "repo:tag" or "repo@digest" on this registry.
func (r *testRegistry) ref(s string) name.Reference {
	r.t.Helper()
	ref, err := name.ParseReference(r.host+"/"+s, name.Insecure, name.StrictValidation)
	if err != nil {
		r.t.Fatal(err)
	}
	return ref
}

func (r *testRegistry) repo(s string) name.Repository {
	r.t.Helper()
	repo, err := name.NewRepository(r.host+"/"+s, name.Insecure)
	if err != nil {
		r.t.Fatal(err)
	}
	return repo
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// code is the first OCI error code in the body, or "".
func (resp response) code() string {
	var e struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	if json.Unmarshal(resp.body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// message is the first OCI error message in the body, or "".
func (resp response) message() string {
	var e struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if json.Unmarshal(resp.body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Message
}

// do sends a raw request to the registry; path is relative to its root.
func (r *testRegistry) do(method, path string, header map[string]string, body []byte) response {
	r.t.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if body == nil {
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := r.srv.Client().Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: data}
}

// mustDigest returns an image's or index's digest.
func mustDigest(t testing.TB, d interface{ Digest() (ggcr.Hash, error) }) ggcr.Hash {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
