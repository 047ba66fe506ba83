package cli

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/pipeline"
)

// fakeApps answers the app, promotion and pipeline endpoints of the API
// as berth serve does, from what the test puts in it, and records each
// call.
type fakeApps struct {
	mu sync.Mutex
	// apps are the apps of every environment, in environment order.
	apps []deploy.AppStatus
	// revisions are the revisions by "env/app", newest first.
	revisions map[string][]api.Revision
	// promotion answers promotions and approvals; outcome ends every
	// followed rollout.
	promotion api.PromotionAnswer
	outcome   deploy.Outcome
	views     []pipeline.AppView
	calls     []string
	bodies    map[string]string // the body of each call with one
}

func newFakeApps(t testing.TB, apps ...deploy.AppStatus) (*fakeApps, string) {
	t.Helper()
	f := &fakeApps{apps: apps, revisions: map[string][]api.Revision{}, outcome: deploy.OutcomeSucceeded, bodies: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/apps", func(w http.ResponseWriter, r *http.Request) {
		out := []deploy.AppStatus{}
		for _, a := range f.apps {
			if env := r.URL.Query().Get("env"); env == "" || env == a.Env {
				out = append(out, a)
			}
		}
		answer(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /api/apps/{app}", func(w http.ResponseWriter, r *http.Request) {
		if a, ok := f.find(w, r); ok {
			answer(w, http.StatusOK, a)
		}
	})
	mux.HandleFunc("GET /api/apps/{app}/services/{service}", func(w http.ResponseWriter, r *http.Request) {
		if a, ok := f.find(w, r); ok {
			f.ofService(w, r, a, []deploy.ContainerDetail{})
		}
	})
	mux.HandleFunc("GET /api/apps/{app}/revisions", func(w http.ResponseWriter, r *http.Request) {
		if a, ok := f.find(w, r); ok {
			answer(w, http.StatusOK, f.revisions[a.Env+"/"+a.Name])
		}
	})
	mux.HandleFunc("GET /api/apps/{app}/logs", func(w http.ResponseWriter, r *http.Request) {
		if a, ok := f.find(w, r); ok && f.ofService(w, r, a, nil) {
			_, _ = io.WriteString(w, a.Env+"/"+a.Name+"-web-1  listening\n")
		}
	})
	mux.HandleFunc("POST /api/apps/{app}/{action}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("action") {
		case "promotions", "approvals":
			answer(w, http.StatusOK, f.promotion)
			return
		}
		a, ok := f.find(w, r)
		if !ok {
			return
		}
		switch r.PathValue("action") {
		case "rollback":
			answer(w, http.StatusOK, api.Revision{App: a.Name, Env: a.Env, Number: a.Live + 1, RollbackOf: a.Live - 1})
		default:
			answer(w, http.StatusOK, map[string]string{"app": a.Name, "sent": r.PathValue("action")})
		}
	})
	mux.HandleFunc("DELETE /api/apps/{app}", func(w http.ResponseWriter, r *http.Request) {
		if a, ok := f.find(w, r); ok {
			answer(w, http.StatusOK, deploy.Removed{App: a.Name})
		}
	})
	mux.HandleFunc("POST /api/apps/deploy", func(w http.ResponseWriter, r *http.Request) {
		var req api.DeployRequest
		_ = json.Unmarshal([]byte(f.bodies[r.Method+" "+r.URL.RequestURI()]), &req)
		answer(w, http.StatusOK, api.Revision{App: "shop", Env: req.Environment, Number: 3})
	})
	mux.HandleFunc("GET /api/apps/{app}/revisions/{n}/events", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		enc := json.NewEncoder(w)
		_ = enc.Encode(api.FollowLine{Event: &deploy.Event{Time: syncTime, Service: "web", Message: "started 1 container"}})
		_ = enc.Encode(api.FollowLine{Revision: &api.Revision{App: r.PathValue("app"), Env: r.URL.Query().Get("env"),
			Number: n, Outcome: f.outcome, Reason: "health check failed"}})
	})
	mux.HandleFunc("GET /api/pipeline", func(w http.ResponseWriter, r *http.Request) {
		out := []pipeline.AppView{}
		for _, v := range f.views {
			if app := r.URL.Query().Get("app"); app == "" || app == v.App {
				out = append(out, v)
			}
		}
		answer(w, http.StatusOK, out)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		call := r.Method + " " + r.URL.RequestURI()
		f.calls = append(f.calls, call)
		if len(body) > 0 {
			f.bodies[call] = string(body)
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// find is the app a call names in its environment (the first for none),
// or a 404 as the server gives it.
func (f *fakeApps) find(w http.ResponseWriter, r *http.Request) (deploy.AppStatus, bool) {
	env := r.URL.Query().Get("env")
	if env == "" {
		env = "integration"
	}
	i := slices.IndexFunc(f.apps, func(a deploy.AppStatus) bool { return a.Name == r.PathValue("app") && a.Env == env })
	if i < 0 {
		answer(w, http.StatusNotFound, map[string]string{"error": "reading app " + r.PathValue("app") + ": app unknown"})
		return deploy.AppStatus{}, false
	}
	return f.apps[i], true
}

// ofService answers out (unless nil) when the service the call names, if
// any, is one of the app's, and a 404 as the server gives it when not;
// it reports whether it was.
func (f *fakeApps) ofService(w http.ResponseWriter, r *http.Request, a deploy.AppStatus, out any) bool {
	svc := cmp.Or(r.PathValue("service"), r.URL.Query().Get("service"))
	if svc != "" && !slices.ContainsFunc(a.Services, func(s deploy.ServiceStatus) bool { return s.Name == svc }) {
		answer(w, http.StatusNotFound, map[string]string{"error": "app unknown: " + a.Name + " has no containers for service " + svc})
		return false
	}
	if out != nil {
		answer(w, http.StatusOK, out)
	}
	return true
}

func (f *fakeApps) callsSoFar() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// app is a running app of env with one service.
func app(env, name string, live int) deploy.AppStatus {
	return deploy.AppStatus{Name: name, Env: env, Live: live, Services: []deploy.ServiceStatus{{
		Name: "web", Ref: "127.0.0.1:5000/" + name + "/web:v1", Digest: "sha256:" + digestOf(name), Replicas: 1, Running: 1, Healthy: 1,
		PullPolicy: "if_not_present", Strategy: "rolling",
	}}}
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
