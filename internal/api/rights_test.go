package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gc"
	"github.com/berth-dev/berth/internal/meta"
)

// serviceGate asks the real auth service, as berth serve's gate does.
type serviceGate struct{ svc *auth.Service }

func (g serviceGate) Allow(r *http.Request, sc auth.Scope) (string, error) {
	if len(sc.Actions) == 0 {
		return g.svc.Authorize(r, nil)
	}
	return g.svc.Authorize(r, []auth.Scope{sc})
}

// appsDeployer is a recordingDeployer with several apps.
type appsDeployer struct {
	*recordingDeployer
	names []string
}

func (d appsDeployer) Apps(context.Context) ([]deploy.AppStatus, error) {
	var out []deploy.AppStatus
	for _, n := range d.names {
		out = append(out, deploy.AppStatus{Name: n})
	}
	return out, nil
}

// Credentials of the accounts of rightsServer.
var (
	ciCreds     = "Basic " + base64.StdEncoding.EncodeToString([]byte("ci:berth_ci-token"))
	opsCreds    = "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:berth_ops-token"))
	rootCreds   = "Basic " + base64.StdEncoding.EncodeToString([]byte("root:root-password"))
	pusherCreds = "Basic " + base64.StdEncoding.EncodeToString([]byte("pusher:berth_pusher-token"))
)

// rightsServer serves the deploy and registry endpoints behind the real
// auth service, with a CI robot that may push shop/** and deploy and
// read the app shop, an operator robot that may read, see the logs of,
// roll back, promote and remove every app, a robot that may only push,
// and an admin.
func rightsServer(t *testing.T) (*httptest.Server, *recordingDeployer) {
	t.Helper()
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("root-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default().Auth
	cfg.Users = []config.User{{Name: "root", Password: string(hash), Admin: true}}
	cfg.Robots = []config.Robot{
		{Name: "ci", Token: auth.HashRobotToken("berth_ci-token"), Access: []config.Grant{
			{Repos: "shop/**", Actions: []string{"pull", "push"}},
			{Apps: "shop", Actions: []string{"deploy", "read"}},
		}},
		{Name: "ops", Token: auth.HashRobotToken("berth_ops-token"), Access: []config.Grant{
			{Apps: "**", Actions: []string{"read", "logs", "rollback", "promote", "remove"}},
		}},
		{Name: "pusher", Token: auth.HashRobotToken("berth_pusher-token"), Access: []config.Grant{
			{Repos: "**", Actions: []string{"pull", "push"}},
		}},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := auth.New(cfg, filepath.Join(dir, "token.key"), log)
	if err != nil {
		t.Fatal(err)
	}
	db, err := meta.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := &recordingDeployer{}
	a := New(serviceGate{svc}, log)
	a.HandleDeploy(oneEnv{appsDeployer{d, []string{"billing", "shop", "shop-admin"}}})
	a.HandleGC(gc.New(db, blobs, gc.Config{Grace: time.Minute}, log))
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv, d
}

// deployBody is a deploy request for a spec naming app, or, for "",
// naming none, from the directory dir.
func deployBody(app, dir string) string {
	spec := "services:\n  web:\n    image: shop/web:v1\n"
	if app != "" {
		spec = "name: " + app + "\n" + spec
	}
	return fmt.Sprintf(`{"file":"compose.yaml","dir":%q,"spec":%q}`, dir, spec)
}

func send(t *testing.T, method, url, creds, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if creds != "" {
		req.Header.Set("Authorization", creds)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

func TestEveryAppEndpointAsksForItsRight(t *testing.T) {
	tests := []struct {
		name         string
		creds        string
		method, path string
		body         string
		want         int
		says         string // in the answer
		calls        string // what the engine was asked, "" for nothing
	}{
		{"a robot deploys the app it may deploy", ciCreds, "POST", "/api/apps/deploy", deployBody("shop", "x"), 200, "", "deploy compose.yaml  by ci"},
		{"an app named by its directory is that app", ciCreds, "POST", "/api/apps/deploy", deployBody("", "/src/shop"), 200, "", "deploy compose.yaml  by ci"},
		{"a robot may not deploy another app", ciCreds, "POST", "/api/apps/deploy", deployBody("other", "x"), 403,
			`robot \"ci\" may not deploy app \"other\": that takes the deploy right on app \"other\", which ci's access does not give. To allow it, run berth robot grant ci --access 'app:other=deploy' (or add {apps: \"other\", actions: [deploy]} to its access in berth.yaml)`, ""},
		{"a spec whose directory names another app is refused", ciCreds, "POST", "/api/apps/deploy", deployBody("", "/src/shop-admin"), 403, `app \"shop-admin\"`, ""},
		{"a spec that does not parse says why, and deploys nothing", ciCreds, "POST", "/api/apps/deploy", `{"file":"compose.yaml","spec":"services: [\n"}`, 422, "compose.yaml", ""},
		{"nobody deploys without credentials", "", "POST", "/api/apps/deploy", deployBody("shop", "x"), 401, "", ""},
		{"an operator without deploy may not deploy", opsCreds, "POST", "/api/apps/deploy", deployBody("shop", "x"), 403, "may not deploy", ""},
		{"an admin deploys anything", rootCreds, "POST", "/api/apps/deploy", deployBody("other", "x"), 200, "", "deploy compose.yaml  by root"},

		{"read gives the status", ciCreds, "GET", "/api/apps/shop", "", 200, "", ""},
		{"read of one app is not read of another", ciCreds, "GET", "/api/apps/billing", "", 403, `may not read app \"billing\"`, ""},
		{"read gives the history", ciCreds, "GET", "/api/apps/shop/revisions", "", 200, "", ""},
		{"read gives a rollout's events", ciCreds, "GET", "/api/apps/shop/revisions/4/events", "", 200, "switched", ""},
		{"read does not give the logs", ciCreds, "GET", "/api/apps/shop/logs", "", 403, `may not read the logs of app \"shop\"`, ""},
		{"logs gives the logs", opsCreds, "GET", "/api/apps/shop/logs?service=web", "", 200, "shop/web says hi", ""},
		{"deploy does not give rollback", ciCreds, "POST", "/api/apps/shop/rollback", "", 403, `may not roll back app \"shop\"`, ""},
		{"rollback gives rollback", opsCreds, "POST", "/api/apps/shop/rollback?to=2", "", 200, "", "rollback shop to 2 by ops"},
		{"deploy does not give promote", ciCreds, "POST", "/api/apps/shop/promote", "", 403, "may not promote", ""},
		{"promote gives promote", opsCreds, "POST", "/api/apps/shop/promote", "", 200, "", "promote shop"},
		{"deploy does not give abort", ciCreds, "POST", "/api/apps/shop/abort", "", 403, "may not roll back", ""},
		{"rollback gives abort", opsCreds, "POST", "/api/apps/shop/abort", "", 200, "", "abort shop"},
		{"deploy does not give remove", ciCreds, "DELETE", "/api/apps/shop", "", 403, "may not remove", ""},
		{"remove gives remove", opsCreds, "DELETE", "/api/apps/shop", "", 200, "", "remove shop"},
		{"repository grants give no app", pusherCreds, "GET", "/api/apps/shop", "", 403, "may not read", ""},

		{"a robot may not collect garbage", ciCreds, "POST", "/api/registry/gc?dry_run=true", "", 403,
			`robot \"ci\" may not use the registry's admin API (registry gc, audit and deliveries): only an admin user may`, ""},
		{"a robot with every app right may not read the last collection", opsCreds, "GET", "/api/registry/gc", "", 403, "admin", ""},
		{"an admin collects garbage", rootCreds, "POST", "/api/registry/gc?dry_run=true", "", 200, "", ""},
	}
	srv, d := rightsServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.got = nil
			code, body := send(t, tt.method, srv.URL+tt.path, tt.creds, tt.body)
			if code != tt.want || !strings.Contains(body, tt.says) {
				t.Fatalf("%s %s: %d %s\nwant %d and %s", tt.method, tt.path, code, body, tt.want, tt.says)
			}
			if got := strings.Join(d.got, "|"); got != tt.calls {
				t.Fatalf("the engine was asked %q, want %q", got, tt.calls)
			}
		})
	}
}

func TestTheAppListShowsWhatTheCallerMayRead(t *testing.T) {
	srv, _ := rightsServer(t)
	for _, tt := range []struct {
		name, creds string
		want        int
		apps        string
	}{
		{"a robot sees the app it may read", ciCreds, 200, `"shop"`},
		{"a robot that may read every app sees them all", opsCreds, 200, `"billing" "shop" "shop-admin"`},
		{"an admin sees them all", rootCreds, 200, `"billing" "shop" "shop-admin"`},
		{"a robot that may read no app sees none", pusherCreds, 200, ""},
		{"nobody without credentials sees any", "", 401, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := send(t, "GET", srv.URL+"/api/apps", tt.creds, "")
			var names []string
			for _, line := range strings.Split(body, "\n") {
				if n, ok := strings.CutPrefix(strings.TrimSpace(line), `"name": `); ok {
					names = append(names, strings.TrimSuffix(n, ","))
				}
			}
			if code != tt.want || strings.Join(names, " ") != tt.apps {
				t.Fatalf("%d %v\n%s\nwant %d %s", code, names, body, tt.want, tt.apps)
			}
			if code == 200 && !strings.HasPrefix(strings.TrimSpace(body), "[") {
				t.Fatalf("the list is not a JSON array: %s", body)
			}
		})
	}
}
