package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/pipeline"
)

// envDeployer is a recordingDeployer of one environment.
type envDeployer struct {
	*recordingDeployer
	env string
}

func (d envDeployer) Env() string { return d.env }

// twoEnvs is berth with integration and production.
type twoEnvs []envDeployer

func (t twoEnvs) Deployer(env string) (Deployer, error) {
	if env == "" {
		return t[0], nil
	}
	for _, d := range t {
		if d.env == env {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%w: %q is not one of berth's environments (integration, production)", ErrEnvUnknown, env)
}

func (t twoEnvs) Deployers() []Deployer { return []Deployer{t[0], t[1]} }

// recordingPipeline records what it was asked and answers with fixed
// results.
type recordingPipeline struct{ got []string }

func (p *recordingPipeline) Promote(_ context.Context, req pipeline.Request) (pipeline.Result, error) {
	p.got = append(p.got, fmt.Sprintf("promote %s to %s by %s", req.App, req.To, req.Actor))
	if req.To == "production" {
		return pipeline.Result{Waiting: &pipeline.Waiting{App: req.App, Env: req.To, From: "integration", Revision: 3}}, nil
	}
	return pipeline.Result{Revision: &deploy.Revision{App: req.App, Environment: req.To, Number: 2}}, nil
}

func (p *recordingPipeline) Approve(_ context.Context, app, env, actor string) (pipeline.Result, error) {
	p.got = append(p.got, fmt.Sprintf("approve %s in %s by %s", app, env, actor))
	return pipeline.Result{Revision: &deploy.Revision{App: app, Environment: env, Number: 7,
		Promotion: &deploy.Promotion{From: "integration", Revision: 3, Approver: actor}}}, nil
}

func (p *recordingPipeline) View(context.Context, string) ([]pipeline.AppView, error) {
	return []pipeline.AppView{{App: "shop", Envs: []pipeline.EnvView{{Env: "integration", Revision: 3}, {Env: "production", Revision: 1}}}}, nil
}

// TestRightsAreGrantedPerEnvironment serves two environments behind the
// real auth service: a CI robot that may deploy shop to integration and
// ask for its promotion to production, and a release manager who may
// approve in production.
func TestRightsAreGrantedPerEnvironment(t *testing.T) {
	cfg := config.Default().Auth
	cfg.Robots = []config.Robot{
		{Name: "ci", Token: auth.HashRobotToken("berth_ci-token"), Access: []config.Grant{
			{Apps: "integration/shop", Actions: []string{"deploy", "read"}},
			{Apps: "production/shop", Actions: []string{"promote"}},
		}},
		{Name: "rm", Token: auth.HashRobotToken("berth_rm-token"), Access: []config.Grant{
			{Apps: "production/*", Actions: []string{"approve", "read"}},
		}},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := auth.New(cfg, filepath.Join(t.TempDir(), "token.key"), log)
	if err != nil {
		t.Fatal(err)
	}
	integ, prod := &recordingDeployer{}, &recordingDeployer{}
	pl := &recordingPipeline{}
	a := New(serviceGate{svc}, log)
	a.HandleDeploy(twoEnvs{{integ, "integration"}, {prod, "production"}})
	a.HandlePipeline(pl)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	ci := "Basic " + base64.StdEncoding.EncodeToString([]byte("ci:berth_ci-token"))
	rm := "Basic " + base64.StdEncoding.EncodeToString([]byte("rm:berth_rm-token"))

	for _, tt := range []struct {
		name, creds, method, path, body string
		want                            int
		says                            string
		calls                           string // what the engines and the pipeline were asked
	}{
		{"CI deploys to integration", ci, "POST", "/api/apps/deploy", `{"file":"compose.yaml","environment":"integration","spec":"name: shop\nservices:\n  web:\n    image: shop/web:v1\n"}`,
			200, "", "integration: deploy compose.yaml  by ci"},
		{"CI may not deploy to production", ci, "POST", "/api/apps/deploy?env=production", deployBody("shop", "x"),
			403, `may not deploy app \"production/shop\": that takes the deploy right on app \"production/shop\"`, ""},
		{"the first environment is the default", ci, "POST", "/api/apps/deploy", deployBody("shop", "x"), 200, "", "integration: deploy compose.yaml  by ci"},
		{"an unknown environment is not found", ci, "GET", "/api/apps/shop?env=staging", "", 404, `\"staging\" is not one of berth's environments`, ""},
		{"read in one environment is not read in another", ci, "GET", "/api/apps/shop?env=production", "", 403, `may not read app \"production/shop\"`, ""},
		{"CI asks for a promotion to production, which waits", ci, "POST", "/api/apps/shop/promotions", `{"to":"production"}`,
			200, `"waiting"`, "promote shop to production by ci"},
		{"CI may not promote to integration", ci, "POST", "/api/apps/shop/promotions", `{"to":"integration"}`, 403, `may not promote app \"integration/shop\"`, ""},
		{"a promotion names where it goes", ci, "POST", "/api/apps/shop/promotions", `{}`, 400, "say which environment", ""},
		{"CI may not approve production", ci, "POST", "/api/apps/shop/approvals", `{"env":"production"}`, 403, `may not approve promotions of app \"production/shop\"`, ""},
		{"the release manager approves production", rm, "POST", "/api/apps/shop/approvals", `{"env":"production"}`,
			200, `"approver": \"rm\"`, "approve shop in production by rm"},
		{"the release manager may not approve integration", rm, "POST", "/api/apps/shop/approvals", `{"env":"integration"}`, 403, "may not approve", ""},
		{"the pipeline shows CI what it may read", ci, "GET", "/api/pipeline", "", 200, `"env": "integration"`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			integ.got, prod.got, pl.got = nil, nil, nil
			code, body := send(t, tt.method, srv.URL+tt.path, tt.creds, tt.body)
			if code != tt.want || !strings.Contains(body, strings.ReplaceAll(tt.says, `\"`, `"`)) && !strings.Contains(body, tt.says) {
				t.Fatalf("%s %s: %d %s\nwant %d and %s", tt.method, tt.path, code, body, tt.want, tt.says)
			}
			var calls []string
			for _, c := range integ.got {
				calls = append(calls, "integration: "+c)
			}
			for _, c := range prod.got {
				calls = append(calls, "production: "+c)
			}
			calls = append(calls, pl.got...)
			if got := strings.Join(calls, "|"); got != tt.calls {
				t.Fatalf("asked %q, want %q", got, tt.calls)
			}
			if tt.name == "the pipeline shows CI what it may read" && strings.Contains(body, `"production"`) {
				t.Fatalf("the pipeline shows production to a robot that may not read it: %s", body)
			}
		})
	}
}
