package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
)

// recordingDeployer answers from fixed data and records what it was
// asked; the engine's own behaviour is tested against Docker in e2e.
type recordingDeployer struct {
	got  []string
	fail error
}

func (d *recordingDeployer) Deploy(_ context.Context, req deploy.Request) (deploy.Revision, error) {
	d.got = append(d.got, fmt.Sprintf("deploy %s %s by %s", req.File, req.Images["web"], req.Actor))
	return deploy.Revision{App: "shop", Number: 4}, d.fail
}

func (d *recordingDeployer) Rollback(_ context.Context, app string, to int, actor string) (deploy.Revision, error) {
	d.got = append(d.got, fmt.Sprintf("rollback %s to %d by %s", app, to, actor))
	return deploy.Revision{App: app, Number: 5, RollbackOf: to}, d.fail
}
func (d *recordingDeployer) Promote(app string) error {
	d.got = append(d.got, "promote "+app)
	return d.fail
}
func (d *recordingDeployer) Abort(app string) error {
	d.got = append(d.got, "abort "+app)
	return d.fail
}
func (d *recordingDeployer) Apps(context.Context) ([]deploy.AppStatus, error) {
	return []deploy.AppStatus{{Name: "shop", Live: 3}}, d.fail
}
func (d *recordingDeployer) Status(_ context.Context, app string) (deploy.AppStatus, error) {
	return deploy.AppStatus{Name: app, Live: 3}, d.fail
}
func (d *recordingDeployer) History(app string, _ int) ([]deploy.Revision, error) {
	return []deploy.Revision{{App: app, Number: 4, Spec: []byte("secret"), Outcome: deploy.OutcomeSucceeded,
		Events: []deploy.Event{{Message: "x"}}}}, d.fail
}
func (d *recordingDeployer) Follow(app string, n int) ([]deploy.Event, <-chan deploy.Event, func(), error) {
	live := make(chan deploy.Event, 1)
	live <- deploy.Event{Message: "switched"}
	close(live)
	return []deploy.Event{{Message: "started"}}, live, func() {}, d.fail
}
func (d *recordingDeployer) Logs(_ context.Context, app, service string, _ driver.LogOptions, w io.Writer) error {
	if d.fail != nil {
		return d.fail
	}
	_, err := fmt.Fprintf(w, "%s/%s says hi\n", app, service)
	return err
}
func (d *recordingDeployer) Remove(_ context.Context, app string, _ deploy.RemoveOptions) (deploy.Removed, error) {
	d.got = append(d.got, "remove "+app)
	return deploy.Removed{App: app, Containers: 3}, d.fail
}

func (d *recordingDeployer) Env() string { return "production" }

// oneEnv is berth with one environment, production, whose engine is d.
type oneEnv struct{ d Deployer }

func (o oneEnv) Deployer(env string) (Deployer, error) {
	if env == "" || env == "production" {
		return o.d, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrEnvUnknown, env)
}
func (o oneEnv) Deployers() []Deployer { return []Deployer{o.d} }

func newDeployServer(t *testing.T, d *recordingDeployer) *httptest.Server {
	t.Helper()
	a := New(adminGate{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.HandleDeploy(oneEnv{d})
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

func TestDeployEndpointsCarryTheActor(t *testing.T) {
	d := &recordingDeployer{}
	srv := newDeployServer(t, d)
	body := `{"file":"compose.yaml","spec":"name: shop\nservices:\n  web:\n    image: shop/web:v1\n","images":{"web":"shop/web:v2"}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/apps/deploy", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer admin")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("deploy: %d", res.StatusCode)
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/api/apps/shop/rollback?to=2"},
		{http.MethodPost, "/api/apps/shop/promote"},
		{http.MethodPost, "/api/apps/shop/abort"},
		{http.MethodDelete, "/api/apps/shop"},
	} {
		if code := call(t, c.method, srv.URL+c.path, "Bearer admin", nil); code != http.StatusOK {
			t.Errorf("%s %s: %d", c.method, c.path, code)
		}
	}
	want := []string{"deploy compose.yaml shop/web:v2 by admin", "rollback shop to 2 by admin", "promote shop", "abort shop", "remove shop"}
	if strings.Join(d.got, "|") != strings.Join(want, "|") {
		t.Errorf("calls:\n%v\nwant\n%v", d.got, want)
	}
	var revs []deploy.Revision
	call(t, http.MethodGet, srv.URL+"/api/apps/shop/revisions", "Bearer admin", &revs)
	if len(revs) != 1 || revs[0].Spec != nil || revs[0].Events != nil {
		t.Errorf("the revision list carries specs or events: %+v", revs)
	}
}

func TestDeployEndpointsNeedAnAdmin(t *testing.T) {
	d := &recordingDeployer{}
	srv := newDeployServer(t, d)
	for _, token := range []string{"", "Bearer user"} {
		for _, c := range []struct{ method, path string }{
			{http.MethodPost, "/api/apps/deploy"}, {http.MethodGet, "/api/apps"}, {http.MethodDelete, "/api/apps/shop"},
			{http.MethodGet, "/api/apps/shop/logs"}, {http.MethodGet, "/api/apps/shop/revisions/1/events"},
		} {
			if code := call(t, c.method, srv.URL+c.path, token, nil); code != http.StatusUnauthorized && code != http.StatusForbidden {
				t.Errorf("%s %s with %q: %d", c.method, c.path, token, code)
			}
		}
	}
	if len(d.got) > 0 {
		t.Errorf("the engine was called: %v", d.got)
	}
}

func TestDeployErrorsMapToStatuses(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("%w: compose.yaml:3: bad", deploy.ErrSpec), http.StatusUnprocessableEntity},
		{fmt.Errorf("reading: %w", deploy.ErrAppUnknown), http.StatusNotFound},
		{deploy.ErrRevisionUnknown, http.StatusNotFound},
		{deploy.ErrBusy, http.StatusConflict},
		{deploy.ErrNotPaused, http.StatusConflict},
		{fmt.Errorf("docker is down"), http.StatusInternalServerError},
	} {
		srv := newDeployServer(t, &recordingDeployer{fail: c.err})
		var e errorBody
		if code := call(t, http.MethodPost, srv.URL+"/api/apps/shop/promote", "Bearer admin", &e); code != c.want {
			t.Errorf("%v: %d, want %d", c.err, code, c.want)
		}
		want := c.err.Error()
		if c.want >= 500 {
			want = "internal error" // the detail stays in the server's log
		}
		if !strings.Contains(e.Error, want) {
			t.Errorf("error body %q does not carry %q", e.Error, want)
		}
	}
}

func TestFollowStreamsEventsThenTheRevision(t *testing.T) {
	srv := newDeployServer(t, &recordingDeployer{})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/apps/shop/revisions/4/events", nil)
	req.Header.Set("Authorization", "Bearer admin")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("Content-Type %q", ct)
	}
	var lines []FollowLine
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		var l FollowLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 3 || lines[0].Event.Message != "started" || lines[1].Event.Message != "switched" ||
		lines[2].Revision == nil || lines[2].Revision.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("stream: %+v", lines)
	}
	if code := call(t, http.MethodGet, srv.URL+"/api/apps/shop/revisions/x/events", "Bearer admin", nil); code != http.StatusBadRequest {
		t.Errorf("bad revision number: %d, want 400", code)
	}
}

func (d *recordingDeployer) ImageUsers(repo string) (map[string][]string, error) {
	if repo == "127.0.0.1:5000/shop/web" {
		return map[string][]string{"shop": {"web", "worker"}}, nil
	}
	return nil, nil
}

func (d *recordingDeployer) Redeploy(_ context.Context, app string, images map[string]string, actor string) (deploy.Revision, error) {
	d.got = append(d.got, fmt.Sprintf("redeploy %s web=%s worker=%s by %s", app, images["web"], images["worker"], actor))
	return deploy.Revision{App: app, Number: 9}, d.fail
}

func TestDeployImageRollsOutTheAppsThatRunItsRepository(t *testing.T) {
	d := &recordingDeployer{}
	srv := newDeployServer(t, d)
	const img = "127.0.0.1:5000/shop/web:build-1@sha256:" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"
	code, body := send(t, "POST", srv.URL+"/api/apps/deploy-image", "Bearer admin", `{"image":"`+img+`"}`)
	if code != 200 || !strings.Contains(body, `"number": 9`) {
		t.Fatalf("deploy-image: %d %s", code, body)
	}
	if want := "redeploy shop web=" + img + " worker=" + img + " by admin"; strings.Join(d.got, "|") != want {
		t.Fatalf("the engine was asked %q, want %q", d.got, want)
	}
	for _, c := range []struct{ body, says string }{
		{`{"image":"127.0.0.1:5000/shop/web:build-1"}`, "pinned by digest"},
		{`{"image":"127.0.0.1:5000/cart/web:v1@sha256:ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"}`, "no app in production runs an image of 127.0.0.1:5000/cart/web"},
		{`{"image":"` + img + `","environment":"staging"}`, "staging"},
	} {
		code, body := send(t, "POST", srv.URL+"/api/apps/deploy-image", "Bearer admin", c.body)
		if code < 400 || !strings.Contains(body, c.says) {
			t.Errorf("deploy-image %s: %d %s, want an error saying %q", c.body, code, body, c.says)
		}
	}
}
