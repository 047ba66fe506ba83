package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
)

func TestSyncEverySource(t *testing.T) {
	f, server := newFakeSources(t)
	code, stdout, stderr := runBerth(t, "sync", "--server", server)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"config: ready, applied bffeb7422404 (2 apps)", "platform: ready, applied bffeb7422404 (0 apps)", "old: suspended, not synced"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the output has no %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "syncing config...") {
		t.Errorf("stderr %q", stderr)
	}
	want := []string{"GET /api/sources", "POST /api/sources/config/sync", "POST /api/sources/platform/sync"}
	if calls := f.callsSoFar(); !slices.Equal(calls, want) {
		t.Fatalf("calls %q, want %q", calls, want)
	}
}

func TestSyncSaysWhyASourceIsNotReady(t *testing.T) {
	f, server := newFakeSources(t)
	f.broken["platform"] = "fetching git@git.example.com:ops/platform.git: ssh: handshake failed: knownhosts: key mismatch"
	f.sources[0].Apps[0].Stalled = "apps/shop.yaml:12: services.web.image: no tag"

	t.Run("every source", func(t *testing.T) {
		code, stdout, stderr := runBerth(t, "sync", "--server", server)
		if code != 1 {
			t.Fatalf("exit %d:\n%s", code, stdout)
		}
		for _, want := range []string{
			"config: ready, applied bffeb7422404",
			"platform: not ready\n  FetchFailed: fetching git@git.example.com:ops/platform.git: ssh: handshake failed: knownhosts: key mismatch\n",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("the output has no %q:\n%s", want, stdout)
			}
		}
		if !strings.Contains(stderr, "1 of 2 sources are not ready: platform") {
			t.Errorf("stderr %q", stderr)
		}
	})
	t.Run("one source, with an app that does not apply", func(t *testing.T) {
		f.mu.Lock()
		f.broken["config"] = "applying apps/shop.yaml: 1 app does not apply"
		f.mu.Unlock()
		code, stdout, stderr := runBerth(t, "sync", "config", "--server", server)
		if code != 1 || !strings.Contains(stderr, "source config is not ready") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"config: not ready; bffeb7422404 still applied", "  FetchFailed: applying apps/shop.yaml",
			"  app shop: apps/shop.yaml:12: services.web.image: no tag"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("the output has no %q:\n%s", want, stdout)
			}
		}
	})
	t.Run("as JSON, still exiting 1", func(t *testing.T) {
		code, stdout, stderr := runBerth(t, "sync", "platform", "--json", "--server", server)
		var st api.SourceStatus
		if err := json.Unmarshal([]byte(stdout), &st); err != nil || code != 1 || st.Name != "platform" || st.LastError == "" {
			t.Fatalf("exit %d, %v: %q %q", code, err, stdout, stderr)
		}
		if stderr != "" {
			t.Fatalf("stderr %q", stderr)
		}
	})
}

func TestSyncOfOneSource(t *testing.T) {
	f, server := newFakeSources(t)
	code, stdout, stderr := runBerth(t, "sync", "platform", "--server", server)
	if code != 0 || strings.TrimSpace(stdout) != "platform: ready, applied bffeb7422404 (0 apps)" {
		t.Fatalf("exit %d: %q %q", code, stdout, stderr)
	}
	if calls := f.callsSoFar(); !slices.Equal(calls, []string{"POST /api/sources/platform/sync"}) {
		t.Fatalf("calls %q", calls)
	}
	t.Run("an unknown source is the server's error", func(t *testing.T) {
		code, _, stderr := runBerth(t, "sync", "nope", "--server", server)
		if code != 1 || !strings.Contains(stderr, "no source nope") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
	t.Run("every source as JSON is a list", func(t *testing.T) {
		code, stdout, _ := runBerth(t, "sync", "--json", "--server", server)
		var got []api.SourceStatus
		if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 || len(got) != 2 {
			t.Fatalf("exit %d, %v: %s", code, err, stdout)
		}
	})
}

func TestSyncCallsAsTheUser(t *testing.T) {
	f, server := newFakeSources(t)
	t.Setenv(envPassword, "robot-token")
	if code, _, stderr := runBerth(t, "sync", "config", "--server", server, "--user", "ci"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.auth, []string{"ci"}) {
		t.Fatalf("calls made as %q", f.auth)
	}
}

func TestTheAPIClientLetsASyncTakeMinutes(t *testing.T) {
	// A sync answers when the source has reconciled, which may take as
	// long as a rollout: the client must not give up first.
	cmd := &cobra.Command{}
	addServerFlags(cmd)
	c, err := newAPIClient(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if c.http.Timeout != 0 && c.http.Timeout < 10*time.Minute {
		t.Fatalf("client timeout %s", c.http.Timeout)
	}
}
