package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/gc"
	"github.com/berth-dev/berth/internal/manifest"
	"github.com/berth-dev/berth/internal/meta"
)

// adminGate allows "Bearer admin" everything, denies "Bearer user"
// everything and asks anyone else to log in.
type adminGate struct{}

func (adminGate) Allow(r *http.Request, _ auth.Scope) (string, error) {
	switch r.Header.Get("Authorization") {
	case "Bearer admin":
		return "admin", nil
	case "Bearer user":
		return "", fmt.Errorf("user is not an admin: %w", auth.ErrDenied)
	}
	return "", fmt.Errorf("log in: %w", auth.ErrUnauthorized)
}

func newServer(t *testing.T, gate Gate) (*httptest.Server, *meta.DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := meta.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := New(gate, log)
	a.HandleAudit(db)
	a.HandleGC(gc.New(db, blobs, gc.Config{Grace: time.Minute}, log))
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv, db
}

func call(t *testing.T, method, url, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode
}

func TestOnlyAdminsGetIn(t *testing.T) {
	srv, _ := newServer(t, adminGate{})
	var e errorBody
	if code := call(t, http.MethodGet, srv.URL+"/api/registry/audit", "", &e); code != http.StatusUnauthorized || e.Error == "" {
		t.Fatalf("anonymous: %d %+v", code, e)
	}
	if code := call(t, http.MethodGet, srv.URL+"/api/registry/audit", "Bearer user", nil); code != http.StatusForbidden {
		t.Fatalf("user: %d", code)
	}
	if code := call(t, http.MethodGet, srv.URL+"/api/registry/audit", "Bearer admin", nil); code != http.StatusOK {
		t.Fatalf("admin: %d", code)
	}
}

func TestAudit(t *testing.T) {
	srv, db := newServer(t, nil)
	d := digest.FromString("layer")
	if err := db.LinkBlob("app", d, 5, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"a":1}`)
	err := db.PutManifest("app", meta.ManifestPut{
		Digest: digest.FromBytes(body), Body: body, Tag: "v1",
		Manifest: &manifest.Manifest{MediaType: manifest.OCIManifest, Kind: manifest.KindImage},
		Origin:   meta.Origin{Actor: "alice", Time: time.Now()},
	})
	if err != nil {
		t.Fatal(err)
	}
	var entries []meta.AuditEntry
	if code := call(t, http.MethodGet, srv.URL+"/api/registry/audit?repo=app&since=1h", "", &entries); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if len(entries) != 1 || entries[0].Actor != "alice" || entries[0].Tag != "v1" || entries[0].Action != meta.AuditPush {
		t.Fatalf("entries = %+v", entries)
	}
	for _, q := range []string{"limit=-1", "limit=x", "since=yesterday"} {
		var e errorBody
		if code := call(t, http.MethodGet, srv.URL+"/api/registry/audit?"+q, "", &e); code != http.StatusBadRequest || !strings.Contains(e.Error, strings.Split(q, "=")[0]) {
			t.Fatalf("%s: %d %+v", q, code, e)
		}
	}
}

func TestGC(t *testing.T) {
	srv, _ := newServer(t, nil)
	if code := call(t, http.MethodGet, srv.URL+"/api/registry/gc", "", nil); code != http.StatusNotFound {
		t.Fatalf("before any run: %d", code)
	}
	var rep gc.Report
	if code := call(t, http.MethodPost, srv.URL+"/api/registry/gc?dry_run=true", "", &rep); code != http.StatusOK || !rep.DryRun {
		t.Fatalf("dry run: %d %+v", code, rep)
	}
	if code := call(t, http.MethodPost, srv.URL+"/api/registry/gc", "", &rep); code != http.StatusOK || rep.DryRun {
		t.Fatalf("run: %d %+v", code, rep)
	}
	var last gc.Report
	if code := call(t, http.MethodGet, srv.URL+"/api/registry/gc", "", &last); code != http.StatusOK || !last.Started.Equal(rep.Started) {
		t.Fatalf("last: %d %+v", code, last)
	}
	if code := call(t, http.MethodPost, srv.URL+"/api/registry/gc?dry_run=maybe", "", nil); code != http.StatusBadRequest {
		t.Fatalf("bad dry_run: %d", code)
	}
}

func TestStatusErrors(t *testing.T) {
	e := statusError{http.StatusConflict, gc.ErrRunning}
	if !errors.Is(e, gc.ErrRunning) || e.HTTPStatus() != http.StatusConflict {
		t.Fatal("statusError")
	}
}
