package registry_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/registry"
)

// allowList lets the "Bearer ok" caller do what is in allowed, refuses
// everyone else with a challenge, and records what it was asked.
type allowList struct {
	allowed []string // scope strings
	mu      sync.Mutex
	asked   []string
}

type challengeErr struct{ scope string }

func (e challengeErr) Error() string     { return "log in: " + auth.ErrUnauthorized.Error() }
func (e challengeErr) Unwrap() error     { return auth.ErrUnauthorized }
func (e challengeErr) Challenge() string { return `Bearer realm="x",scope="` + e.scope + `"` }

func (a *allowList) Authorize(r *http.Request, need []auth.Scope) (string, error) {
	var asked []string
	for _, s := range need {
		asked = append(asked, s.String())
	}
	a.mu.Lock()
	a.asked = append(a.asked, strings.Join(asked, " "))
	a.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer ok" {
		return "", challengeErr{strings.Join(asked, " ")}
	}
	for _, s := range asked {
		if !slices.Contains(a.allowed, s) {
			return "", fmt.Errorf("%s: %w", s, auth.ErrDenied)
		}
	}
	return "tester", nil
}

func (a *allowList) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.asked[len(a.asked)-1]
}

func TestEveryEndpointAsksForTheRightScope(t *testing.T) {
	dir := t.TempDir()
	db, err := meta.Open(dir + "/meta.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	blobs, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	authz := &allowList{allowed: []string{"repository:app:pull", "repository:app:push"}}
	srv := httptest.NewServer(registry.New(blobs, db, slog.New(slog.NewTextHandler(io.Discard, nil)), registry.Options{Authorizer: authz}))
	defer srv.Close()
	do := func(method, path, token string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	d := digest.FromString("x").String()
	tests := []struct {
		name, method, path, scope string
	}{
		{"the base endpoint asks only who is there", http.MethodGet, "/v2/", ""},
		{"the catalog needs the registry scope", http.MethodGet, "/v2/_catalog", "registry:catalog:*"},
		{"listing tags is a pull", http.MethodGet, "/v2/app/tags/list", "repository:app:pull"},
		{"a manifest GET is a pull", http.MethodGet, "/v2/app/manifests/v1", "repository:app:pull"},
		{"a blob HEAD is a pull", http.MethodHead, "/v2/app/blobs/" + d, "repository:app:pull"},
		{"referrers are a pull", http.MethodGet, "/v2/app/referrers/" + d, "repository:app:pull"},
		{"starting an upload is a push", http.MethodPost, "/v2/app/blobs/uploads/", "repository:app:push"},
		{"an upload's status is a push", http.MethodGet, "/v2/app/blobs/uploads/" + strings.Repeat("0", 32), "repository:app:push"},
		{"a manifest PUT is a push", http.MethodPut, "/v2/app/manifests/v1", "repository:app:push"},
		{"a manifest DELETE is a delete", http.MethodDelete, "/v2/app/manifests/v1", "repository:app:delete"},
		{"a blob DELETE is a delete", http.MethodDelete, "/v2/app/blobs/" + d, "repository:app:delete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(tt.method, tt.path, "")
			if res.StatusCode != http.StatusUnauthorized || authz.last() != tt.scope {
				t.Fatalf("status %d, asked %q; want 401 and %q", res.StatusCode, authz.last(), tt.scope)
			}
			if want := `scope="` + tt.scope + `"`; !strings.Contains(res.Header.Get("WWW-Authenticate"), want) {
				t.Fatalf("challenge %q lacks %s", res.Header.Get("WWW-Authenticate"), want)
			}
		})
	}
	t.Run("an allowed caller gets through", func(t *testing.T) {
		if res := do(http.MethodPost, "/v2/app/blobs/uploads/", "Bearer ok"); res.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("a caller without the grant is denied", func(t *testing.T) {
		if res := do(http.MethodDelete, "/v2/app/manifests/v1", "Bearer ok"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("a mount from a repository the caller may not pull becomes an upload", func(t *testing.T) {
		res := do(http.MethodPost, "/v2/app/blobs/uploads/?mount="+d+"&from=secret", "Bearer ok")
		if res.StatusCode != http.StatusAccepted || authz.last() != "repository:secret:pull" {
			t.Fatalf("status %d, last asked %q", res.StatusCode, authz.last())
		}
	})
}
