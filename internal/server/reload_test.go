package server

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
)

// reloadable runs berth with a configuration that reload replaces with
// the next one given to it, or with an error.
type reloadable struct {
	url    string
	ch     chan struct{}
	mu     sync.Mutex
	next   config.Config
	err    error
	loaded chan struct{}
}

func startReloadable(t *testing.T, cfg config.Config) *reloadable {
	t.Helper()
	r := &reloadable{ch: make(chan struct{}), loaded: make(chan struct{}, 1)}
	url, stop := startWith(t, cfg, Options{
		Reload: r.ch,
		Load: func() (config.Config, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			defer func() { r.loaded <- struct{}{} }()
			return r.next, r.err
		},
	})
	r.url = url
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return r
}

// reload hands cfg (or err) to berth's reload and returns once it was
// loaded; it is put into force right after.
func (r *reloadable) reload(t *testing.T, cfg config.Config, err error) {
	t.Helper()
	r.mu.Lock()
	r.next, r.err = cfg, err
	r.mu.Unlock()
	r.ch <- struct{}{}
	select {
	case <-r.loaded:
	case <-time.After(10 * time.Second):
		t.Fatal("the configuration was not loaded in 10s")
	}
}

// statusOf is the status of GET path, with basic credentials if user is
// not empty.
func (r *reloadable) statusOf(t *testing.T, path, user, password string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitStatus waits for an anonymous GET of path to answer want.
func (r *reloadable) waitStatus(t *testing.T, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code := r.statusOf(t, path, "", "")
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("anonymous %s answers %d, want %d", path, code, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReloadPutsAuthAndImmutabilityIntoForce(t *testing.T) {
	cfg := config.Default()
	cfg.Listen, cfg.ProxyListen, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	cfg.ImmutableTags = nil // as with immutable_tags: [], so that the reload is what adds the rule
	r := startReloadable(t, cfg)
	if code := r.statusOf(t, "/v2/", "", ""); code != http.StatusOK {
		t.Fatalf("without auth: /v2/ answered %d", code)
	}
	if code := r.statusOf(t, "/token", "", ""); code != http.StatusNotFound {
		t.Fatalf("without auth: /token answered %d, want 404", code)
	}

	hash, err := auth.HashPassword("alice-password", 4)
	if err != nil {
		t.Fatal(err)
	}
	secured := cfg
	secured.Auth.Users = []config.User{{Name: "alice", Password: hash, Admin: true}}
	secured.ImmutableTags = []config.TagRule{{Repos: "**", Tags: "v*"}}
	secured.GC.Interval = cfg.GC.Interval + time.Hour // applies only after a restart
	r.reload(t, secured, nil)

	t.Run("accounts are in force at once", func(t *testing.T) {
		r.waitStatus(t, "/v2/", http.StatusUnauthorized)
		if code := r.statusOf(t, "/v2/", "alice", "alice-password"); code != http.StatusOK {
			t.Fatalf("alice's /v2/ answered %d", code)
		}
		if code := r.statusOf(t, "/token?service=berth", "alice", "alice-password"); code != http.StatusOK {
			t.Fatalf("/token answered %d", code)
		}
		if code := r.statusOf(t, "/api/apps", "", ""); code != http.StatusUnauthorized {
			t.Fatalf("anonymous /api/apps answered %d, want 401", code)
		}
	})
	t.Run("release tags are immutable at once", func(t *testing.T) {
		alice := remote.WithAuth(&authn.Basic{Username: "alice", Password: "alice-password"})
		first, _ := random.Image(256, 1)
		second, _ := random.Image(256, 1)
		if err := remote.Write(ref(t, r.url, "app:v1.0.0"), first, alice); err != nil {
			t.Fatal(err)
		}
		err := remote.Write(ref(t, r.url, "app:v1.0.0"), second, alice)
		if err == nil || !strings.Contains(err.Error(), "v*") {
			t.Fatalf("moving v1.0.0 after the reload: %v, want a refusal naming the rule", err)
		}
	})
	t.Run("a configuration that fails to load changes nothing", func(t *testing.T) {
		r.reload(t, config.Config{}, errors.New("berth.yaml: line 3: bad"))
		if code := r.statusOf(t, "/v2/", "", ""); code != http.StatusUnauthorized {
			t.Fatalf("anonymous /v2/ answered %d after a failed reload, want 401", code)
		}
	})
	t.Run("removing the accounts turns auth off again", func(t *testing.T) {
		r.reload(t, cfg, nil)
		r.waitStatus(t, "/v2/", http.StatusOK)
	})
}

func TestReloadNamesWhatWaitsForARestart(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	p := &parts{cfg: cfg, log: slog.New(slog.DiscardHandler), auth: &switchableAuth{}, tags: newTagRules(nil)}
	next := cfg
	next.DataDir = "/elsewhere" // never moves: the token key stays put
	next.ImmutableTags = []config.TagRule{{Repos: "**", Tags: "v*"}}
	next.Webhooks = []config.Webhook{{Name: "ci", URL: "http://127.0.0.1:1/hook", Secret: strings.Repeat("s", 16)}}
	next.Log.Level = "debug"
	later, err := p.reload(next)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(later)
	if want := []string{"log", "webhooks"}; !slices.Equal(later, want) {
		t.Fatalf("restart-only settings %v, want %v", later, want)
	}
	if rule := p.tags.guard()("app", "v1.0.0"); rule == "" {
		t.Fatal("the new immutability rule is not in force")
	}
}
