package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// TestGitSyncAndWhatPeopleDo drives a source by its push webhook, and
// checks how git sync treats a rollout from git that fails, a deploy by
// hand and a suspension.
func TestGitSyncAndWhatPeopleDo(t *testing.T) {
	bare := gitserver.Bare(t, nil)
	secret := filepath.Join(t.TempDir(), "hook-secret")
	if err := os.WriteFile(secret, []byte("a-webhook-secret-of-some-length\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newGitEnv(t, bare, bare.Clone(t), gitSourceConfig(t, bare.URL, "    webhook: {secret_file: "+secret+"}\n"))
	builder := testapp.NewBuilder(t.TempDir())
	e.push(builder, "v1", "v2")
	hook := func(token string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.b.url("/api/hooks/git/config"), strings.NewReader(`{"ref":"refs/heads/main"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	t.Run("a push webhook applies the commit", func(t *testing.T) {
		e.commit("d on v1", map[string]string{"d/compose.yaml": e.compose("d", "v1", 2, "")})
		if code := hook("not-the-secret-at-all-no"); code != http.StatusUnauthorized {
			t.Fatalf("webhook with a wrong token: %d, want 401", code)
		}
		if code := hook("a-webhook-secret-of-some-length"); code != http.StatusAccepted {
			t.Fatalf("webhook: %d, want 202", code)
		}
		e.serves("d", "v1")
	})
	t.Run("a rollout from git that fails is rolled back, written back and not tried again", func(t *testing.T) {
		good, _ := bare.Show(t, "d/compose.yaml")
		bad := e.compose("d", "v2", 2, "") + "    environment: {FAIL_HEALTH: \"1\"}\n"
		failed := e.commit("d on v2, unhealthy", map[string]string{"d/compose.yaml": bad})
		if code := hook("a-webhook-secret-of-some-length"); code != http.StatusAccepted {
			t.Fatalf("webhook: %d", code)
		}
		e.eventually("the failed rollout is written back to git", func() bool { return bare.Head(t) != failed })
		log := bare.Log(t, 1)[0]
		if !strings.Contains(log.Subject, "Roll back") || !strings.Contains(log.Body, "rolled-back") {
			t.Errorf("last commit %q %q is not the rollback", log.Subject, log.Body)
		}
		if now, _ := bare.Show(t, "d/compose.yaml"); now != good {
			t.Errorf("the file is not back as it ran:\n%s\nwant:\n%s", now, good)
		}
		e.serves("d", "v1")
		revs := len(e.history("d"))
		e.sync(true)
		if n := len(e.history("d")); n != revs {
			t.Fatalf("a sync after the rollback made %d revisions, had %d", n, revs)
		}
	})
	t.Run("a deploy by hand warns, and git undoes it", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "compose.yaml")
		if err := os.WriteFile(file, []byte(e.compose("d", "v2", 2, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := e.cli("deploy", "-f", file)
		if code != 0 || !strings.Contains(out, "git source config manages") {
			t.Fatalf("deploy by hand (%d) does not warn:\n%s", code, out)
		}
		e.serves("d", "v2")
		e.sync(true)
		e.serves("d", "v1")
	})
	t.Run("an app suspended keeps what is deployed by hand until resumed", func(t *testing.T) {
		if out, code := e.cli("source", "suspend", "config", "--app", e.app("d")); code != 0 {
			t.Fatalf("suspend: %s", out)
		}
		file := filepath.Join(t.TempDir(), "compose.yaml")
		if err := os.WriteFile(file, []byte(e.compose("d", "v2", 2, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := e.cli("deploy", "-f", file)
		if code != 0 || strings.Contains(out, "warning") {
			t.Fatalf("deploy of a suspended app (%d) failed or warned:\n%s", code, out)
		}
		e.sync(true)
		e.serves("d", "v2")
		if out, code := e.cli("source", "resume", "config", "--app", e.app("d")); code != 0 {
			t.Fatalf("resume: %s", out)
		}
		e.sync(true)
		e.serves("d", "v1")
	})
}
