package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/pipeline"
)

func TestEveryCallOnAnAppGoesToTheEnvironmentAsked(t *testing.T) {
	tests := []struct {
		args []string
		want string // the call on the app
	}{
		{[]string{"status", "shop"}, "GET /api/apps/shop?env=qa"},
		{[]string{"status", "shop", "web"}, "GET /api/apps/shop/services/web?env=qa"},
		{[]string{"history", "shop"}, "GET /api/apps/shop/revisions?env=qa&limit=20"},
		{[]string{"logs", "shop"}, "GET /api/apps/shop/logs?env=qa&follow=false&tail=0"},
		{[]string{"rollback", "shop", "--detach"}, "POST /api/apps/shop/rollback?env=qa"},
		{[]string{"rollout", "promote", "shop"}, "POST /api/apps/shop/promote?env=qa"},
		{[]string{"rollout", "abort", "shop"}, "POST /api/apps/shop/abort?env=qa"},
		{[]string{"remove", "shop", "--yes"}, "DELETE /api/apps/shop?env=qa"},
	}
	for _, how := range []string{"--env", "BERTH_ENV"} {
		for _, tt := range tests {
			t.Run(strings.Join(tt.args, " ")+" with "+how, func(t *testing.T) {
				f, server := newFakeApps(t, app("integration", "shop", 1), app("qa", "shop", 2))
				args := append(slices.Clone(tt.args), "--server", server)
				if how == "--env" {
					args = append(args, "--env", "qa")
				} else {
					t.Setenv(envEnvironment, "qa")
				}
				code, stdout, stderr := runBerth(t, args...)
				if code != 0 {
					t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
				}
				if calls := f.callsSoFar(); !slices.Contains(calls, sortedQuery(tt.want)) {
					t.Fatalf("calls %q, want %q among them", calls, tt.want)
				}
			})
		}
	}
}

// sortedQuery is a call as the client sends it: url.Values encodes its
// keys in order.
func sortedQuery(call string) string {
	method, uri, _ := strings.Cut(call, " ")
	path, query, ok := strings.Cut(uri, "?")
	if !ok {
		return call
	}
	params := strings.Split(query, "&")
	slices.Sort(params)
	return method + " " + path + "?" + strings.Join(params, "&")
}

func TestWithoutAnEnvironmentNoneIsSent(t *testing.T) {
	f, server := newFakeApps(t, app("integration", "shop", 1))
	t.Setenv(envEnvironment, "")
	for _, args := range [][]string{{"history", "shop"}, {"rollout", "promote", "shop"}, {"logs", "shop"}} {
		if code, stdout, stderr := runBerth(t, append(args, "--server", server)...); code != 0 {
			t.Fatalf("%q: exit %d:\n%s%s", args, code, stdout, stderr)
		}
	}
	for _, call := range f.callsSoFar() {
		if strings.Contains(call, "env=") {
			t.Errorf("%s names an environment", call)
		}
	}
}

func TestDeploySendsTheEnvironmentAndFollowsThere(t *testing.T) {
	dir := t.TempDir()
	file := writeCompose(t, dir, "name: shop\nservices:\n  web:\n    image: 127.0.0.1:5000/shop/web:v1\n")
	f, server := newFakeApps(t)
	code, stdout, stderr := runBerth(t, "deploy", "-f", file, "--env", "integration", "--server", server)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	var req api.DeployRequest
	if err := json.Unmarshal([]byte(f.bodies["POST /api/apps/deploy"]), &req); err != nil || req.Environment != "integration" {
		t.Fatalf("deploy body %q: %v", f.bodies["POST /api/apps/deploy"], err)
	}
	if calls := f.callsSoFar(); !slices.Contains(calls, "GET /api/apps/shop/revisions/3/events?env=integration") {
		t.Fatalf("calls %q: the rollout is not followed in integration", calls)
	}
	if !strings.HasPrefix(stdout, "revision 3 of integration/shop\n") {
		t.Fatalf("stdout %q", stdout)
	}
}

func TestStatusListsAppsByEnvironment(t *testing.T) {
	t.Run("one environment looks as it did before environments", func(t *testing.T) {
		_, server := newFakeApps(t, app("production", "blog", 2), app("production", "shop", 7))
		code, stdout, _ := runBerth(t, "status", "--server", server)
		want := "APP   LIVE  ROLLOUT  SERVICES\n" +
			"blog  2     none     1\n" +
			"shop  7     none     1\n"
		if code != 0 || stdout != want {
			t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s", code, stdout, want)
		}
	})
	t.Run("no apps still shows the heading", func(t *testing.T) {
		_, server := newFakeApps(t)
		if code, stdout, _ := runBerth(t, "status", "--server", server); code != 0 || stdout != "APP  LIVE  ROLLOUT  SERVICES\n" {
			t.Fatalf("exit %d, stdout %q", code, stdout)
		}
	})
	t.Run("several environments each get a heading", func(t *testing.T) {
		_, server := newFakeApps(t, app("integration", "shop", 9), app("production", "blog", 2), app("production", "shop", 7))
		code, stdout, _ := runBerth(t, "status", "--server", server)
		want := "integration:\n" +
			"APP   LIVE  ROLLOUT  SERVICES\n" +
			"shop  9     none     1\n" +
			"\n" +
			"production:\n" +
			"APP   LIVE  ROLLOUT  SERVICES\n" +
			"blog  2     none     1\n" +
			"shop  7     none     1\n"
		if code != 0 || stdout != want {
			t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s", code, stdout, want)
		}
	})
	t.Run("--env lists one environment", func(t *testing.T) {
		f, server := newFakeApps(t, app("integration", "shop", 9), app("production", "blog", 2))
		code, stdout, _ := runBerth(t, "status", "--env", "production", "--server", server)
		if code != 0 || strings.Contains(stdout, "shop") || strings.Contains(stdout, "production:") || !strings.Contains(stdout, "blog") {
			t.Fatalf("exit %d, stdout:\n%s", code, stdout)
		}
		if calls := f.callsSoFar(); !slices.Equal(calls, []string{"GET /api/apps?env=production"}) {
			t.Fatalf("calls %q", calls)
		}
	})
}

func TestStatusOfAnApp(t *testing.T) {
	t.Run("in one environment, as before", func(t *testing.T) {
		_, server := newFakeApps(t, app("production", "shop", 7))
		code, stdout, _ := runBerth(t, "status", "shop", "--server", server)
		if code != 0 || !strings.HasPrefix(stdout, "app shop, live revision 7, rollout: none\n\nSERVICE ") {
			t.Fatalf("exit %d, stdout:\n%s", code, stdout)
		}
	})
	t.Run("in several environments, each", func(t *testing.T) {
		_, server := newFakeApps(t, app("integration", "shop", 9), app("qa", "blog", 1), app("production", "shop", 7))
		code, stdout, _ := runBerth(t, "status", "shop", "--server", server)
		first := strings.Index(stdout, "app shop in integration, live revision 9, rollout: none\n")
		second := strings.Index(stdout, "\napp shop in production, live revision 7, rollout: none\n")
		if code != 0 || first != 0 || second < 0 || strings.Contains(stdout, "blog") {
			t.Fatalf("exit %d, stdout:\n%s", code, stdout)
		}
	})
	t.Run("in several environments, as JSON: the first", func(t *testing.T) {
		_, server := newFakeApps(t, app("integration", "shop", 9), app("production", "shop", 7))
		code, stdout, stderr := runBerth(t, "status", "shop", "--json", "--server", server)
		var st deploy.AppStatus
		if err := json.Unmarshal([]byte(stdout), &st); err != nil || code != 0 || st.Env != "integration" {
			t.Fatalf("exit %d, %v: %s", code, err, stdout)
		}
		if !strings.Contains(stderr, "shop runs in integration, production; this is integration") {
			t.Fatalf("stderr %q", stderr)
		}
	})
	t.Run("a service, in the first environment the app runs in", func(t *testing.T) {
		f, server := newFakeApps(t, app("qa", "shop", 9), app("production", "shop", 7))
		code, stdout, stderr := runBerth(t, "status", "shop", "web", "--server", server)
		if code != 0 || !strings.Contains(stderr, "shop runs in qa, production; this is qa") {
			t.Fatalf("exit %d, stdout:\n%s\nstderr %q", code, stdout, stderr)
		}
		if calls := f.callsSoFar(); !slices.Contains(calls, "GET /api/apps/shop/services/web?env=qa") {
			t.Fatalf("calls %q", calls)
		}
	})
	t.Run("named with --env", func(t *testing.T) {
		_, server := newFakeApps(t, app("integration", "shop", 9), app("production", "shop", 7))
		code, stdout, _ := runBerth(t, "status", "shop", "--env", "production", "--server", server)
		if code != 0 || !strings.HasPrefix(stdout, "app shop in production, live revision 7") || strings.Contains(stdout, "integration") {
			t.Fatalf("exit %d, stdout:\n%s", code, stdout)
		}
	})
}

func TestAnAppUnknownInTheEnvironmentAskedSaysWhereItRuns(t *testing.T) {
	envs := func(app string, names ...string) pipeline.AppView {
		v := pipeline.AppView{App: app}
		for _, n := range names {
			v.Envs = append(v.Envs, pipeline.EnvView{Env: n})
		}
		return v
	}
	t.Run("several environments", func(t *testing.T) {
		f, server := newFakeApps(t, app("qa", "shop", 2), app("production", "shop", 7), app("production", "blog", 1))
		f.views = []pipeline.AppView{envs("blog", "integration", "qa", "production"), envs("shop", "integration", "qa", "production")}
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"history", "blog"}, "404 Not Found: reading app blog: app unknown; blog is not in integration, the first environment, but in production: add --env production\n"},
			{[]string{"history", "shop", "--env", "integration"}, "app unknown; shop is not in integration but in qa, production: choose one with --env\n"},
			{[]string{"status", "shop", "--env", "integration"}, "app unknown; shop is not in integration but in qa, production: choose one with --env\n"},
			{[]string{"status", "shop", "db", "--env", "qa"}, "404 Not Found: app unknown: shop has no containers for service db\n"},
			{[]string{"status", "nope"}, "404 Not Found: reading app nope: app unknown\n"},
		} {
			code, stdout, stderr := runBerth(t, append(tt.args, "--server", server)...)
			if code != 1 || !strings.HasSuffix(stderr, tt.want) {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", tt.args, code, stdout, stderr, tt.want)
			}
		}
	})
	t.Run("one environment never names it", func(t *testing.T) {
		f, server := newFakeApps(t, app("integration", "shop", 2))
		f.views = []pipeline.AppView{envs("shop", "integration")}
		code, _, stderr := runBerth(t, "logs", "shop", "db", "--server", server)
		if code != 1 || stderr != "berth: 404 Not Found: app unknown: shop has no containers for service db\n" {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

func TestHistoryNotesPromotions(t *testing.T) {
	f, server := newFakeApps(t, app("production", "shop", 8))
	f.revisions["production/shop"] = []api.Revision{
		{App: "shop", Env: "production", Number: 8, Outcome: deploy.OutcomeSucceeded, Actor: "bob", Started: syncTime,
			Promotion: &deploy.Promotion{From: "qa", Revision: 5, Approver: "alice"}},
		{App: "shop", Env: "production", Number: 7, Outcome: deploy.OutcomeRolledBack, Actor: "carol", Started: syncTime,
			Promotion: &deploy.Promotion{From: "qa", Revision: 4}, Reason: "health check failed"},
		{App: "shop", Env: "production", Number: 6, Outcome: deploy.OutcomeSucceeded, Actor: "dave", Started: syncTime},
	}
	code, stdout, stderr := runBerth(t, "history", "shop", "--env", "production", "--server", server)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"promoted from qa revision 5 (approved by alice)\n", "promoted from qa revision 4; health check failed\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in:\n%s", want, stdout)
		}
	}
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "6 ") && !strings.HasSuffix(line, " -") {
			t.Errorf("revision 6, no promotion, has a note: %q", line)
		}
	}
}

// writeCompose writes a Compose file in dir.
func writeCompose(t testing.TB, dir, content string) string {
	t.Helper()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestAppOfPath(t *testing.T) {
	for _, tt := range []struct{ method, path, want string }{
		{"GET", "/api/apps", ""},
		{"POST", "/api/apps/deploy", ""},
		{"GET", "/api/apps/deploy", "deploy"},
		{"GET", "/api/apps/shop", "shop"},
		{"GET", "/api/apps/shop/revisions/3/events", "shop"},
		{"GET", "/api/pipeline", ""},
		{"POST", "/api/registry/gc", ""},
	} {
		if got := appOfPath(tt.method, tt.path); got != tt.want {
			t.Errorf("appOfPath(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
