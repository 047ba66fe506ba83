package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
)

// verifyServer answers the revisions and verifications of app shop: its
// revision 3 ran a job that failed, revision 2 one that passed.
func verifyServer(t *testing.T) string {
	t.Helper()
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	failed := deploy.VerifyRun{Service: "web", Image: "smoke@sha256:1", At: "before the switch", Started: start,
		Finished: start.Add(1200 * time.Millisecond), ExitCode: 1, Output: "probe: GET http://shop-preview.test:8000/: 200 OK\nv3\nprobe: FAIL\n"}
	passed := deploy.VerifyRun{Service: "web", Image: "smoke@sha256:1", At: "before the switch", Started: start,
		Finished: start.Add(time.Second), Passed: true, Output: "probe: PASS\n"}
	timedOut := deploy.VerifyRun{Service: "api", Image: "smoke@sha256:1", At: "after the last batch", Started: start,
		Finished: start.Add(time.Minute), ExitCode: -1, Error: "it did not finish within its timeout of 1m0s"}
	revs := []deploy.Revision{
		{App: "shop", Number: 3, Outcome: deploy.OutcomeRolledBack, Started: start, Verify: []deploy.VerifyRun{failed, timedOut}},
		{App: "shop", Number: 2, Outcome: deploy.OutcomeSucceeded, Started: start, Verify: []deploy.VerifyRun{passed}},
	}
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/apps/shop/revisions", func(w http.ResponseWriter, r *http.Request) {
		out := []api.Revision{}
		for _, rev := range revs {
			out = append(out, api.Revision{App: rev.App, Number: rev.Number, Outcome: rev.Outcome, Started: rev.Started, Verify: rev.Verify})
		}
		write(w, out)
	})
	mux.HandleFunc("GET /api/apps/shop/verifications", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("revision") {
		case "", "3":
			write(w, api.Verifications{App: "shop", Revision: 3, Runs: revs[0].Verify})
		case "2":
			write(w, api.Verifications{App: "shop", Revision: 2, Runs: revs[1].Verify})
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "revision unknown"})
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHistoryShowsEachVerificationUnderItsRevision(t *testing.T) {
	url := verifyServer(t)
	out, stderr, code := runCLI(t, "history", "shop", "--server", url)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(out, "\n")
	want := []string{
		"verify web before the switch: failed (exit code 1, 1.2s)",
		"verify api after the last batch: failed (it did not finish within its timeout of 1m0s, 1m0s)",
		"verify web before the switch: passed (exit 0, 1s)",
	}
	if len(lines) < 6 || !strings.HasPrefix(lines[1], "3 ") || !strings.HasPrefix(lines[4], "2 ") {
		t.Fatalf("history:\n%s", out)
	}
	for i, w := range want {
		if got := strings.TrimSpace(lines[[]int{2, 3, 5}[i]]); got != w {
			t.Errorf("line %d = %q, want %q\n%s", []int{2, 3, 5}[i], got, w, out)
		}
	}
}

func TestLogsVerifyShowsTheJobsOutput(t *testing.T) {
	url := verifyServer(t)
	for _, c := range []struct {
		name string
		args []string
		want []string
		not  []string
	}{
		{"the newest revision that ran one", []string{"logs", "shop", "--verify"},
			[]string{"=== revision 3, web, verification before the switch: failed (exit code 1, 1.2s)\nprobe: GET", "v3\nprobe: FAIL\n",
				"=== revision 3, api, verification after the last batch: failed (it did not finish"}, nil},
		{"one service's", []string{"logs", "shop", "api", "--verify"}, []string{"=== revision 3, api,"}, []string{"web"}},
		{"a revision asked for", []string{"logs", "shop", "--verify", "--revision", "2"}, []string{"=== revision 2, web, verification before the switch: passed (exit 0, 1s)\nprobe: PASS\n"}, []string{"FAIL"}},
		{"the last lines", []string{"logs", "shop", "web", "--verify", "--tail", "1"}, []string{"failed (exit code 1, 1.2s)\nprobe: FAIL\n"}, []string{"v3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, append(c.args, "--server", url)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range c.not {
				if strings.Contains(out, n) {
					t.Errorf("the output has %q:\n%s", n, out)
				}
			}
		})
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"--verify with --follow", []string{"logs", "shop", "--verify", "-f"}, "cannot be followed"},
		{"--revision without --verify", []string{"logs", "shop", "--revision", "2"}, "add --verify"},
		{"a service that ran none", []string{"logs", "shop", "db", "--verify"}, "revision 3 of shop ran no verification job for service db"},
		{"a revision berth lacks", []string{"logs", "shop", "--verify", "--revision", "9"}, "404"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, append(c.args, "--server", url)...)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want a failure saying %q", code, stderr, c.want)
			}
		})
	}
}
