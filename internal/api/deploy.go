package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/spec"
)

// Deployer is one environment's deploy engine as the API uses it.
type Deployer interface {
	Env() string
	Deploy(ctx context.Context, req deploy.Request) (deploy.Revision, error)
	Rollback(ctx context.Context, app string, to int, actor string) (deploy.Revision, error)
	Promote(app string) error
	Abort(app string) error
	Apps(ctx context.Context) ([]deploy.AppStatus, error)
	Status(ctx context.Context, app string) (deploy.AppStatus, error)
	History(app string, limit int) ([]deploy.Revision, error)
	Follow(app string, n int) ([]deploy.Event, <-chan deploy.Event, func(), error)
	Logs(ctx context.Context, app, service string, opts driver.LogOptions, w io.Writer) error
	Remove(ctx context.Context, app string, opts deploy.RemoveOptions) (deploy.Removed, error)
	Inspect(ctx context.Context, app, service string) ([]deploy.ContainerDetail, error)
}

// DeployRequest is the body of POST /api/apps/deploy.
type DeployRequest struct {
	File string            `json:"file"`
	Dir  string            `json:"dir,omitempty"`
	Spec string            `json:"spec"`
	Env  map[string]string `json:"env,omitempty"`
	// Files holds the files the spec refers to (env_file, secrets and
	// configs), keyed by the path as the spec gives it.
	Files  map[string][]byte `json:"files,omitempty"`
	Images map[string]string `json:"images,omitempty"`
	// Force allows a rollout that takes a routed host off the proxy.
	Force bool `json:"force,omitempty"`
	// Environment is the environment to deploy in (or ?env=); the
	// first when neither is set.
	Environment string `json:"environment,omitempty"`
}

// maxDeployRequest bounds the body of a deploy: the spec and the files
// it refers to.
const maxDeployRequest = 16 << 20

// FollowLine is one line of a followed rollout: an event, or at the end
// the revision as it finished.
type FollowLine struct {
	Event    *deploy.Event `json:"event,omitempty"`
	Revision *Revision     `json:"revision,omitempty"`
}

// deployStatus maps the engine's errors to HTTP statuses.
func deployStatus(err error) error {
	switch {
	case errors.Is(err, deploy.ErrSpec):
		return statusError{http.StatusUnprocessableEntity, err}
	case errors.Is(err, deploy.ErrAppUnknown), errors.Is(err, deploy.ErrRevisionUnknown), errors.Is(err, ErrEnvUnknown):
		return statusError{http.StatusNotFound, err}
	case errors.Is(err, deploy.ErrBusy), errors.Is(err, deploy.ErrNotPaused):
		return statusError{http.StatusConflict, err}
	}
	return err
}

// HandleDeploy serves the deploy endpoints under /api/apps. Each takes
// the environment in ?env= (the first when absent) and asks for one
// right on the app it names in that environment ("env/app"): read
// (status, history, following a rollout, and which apps the list
// shows), logs, deploy, rollback (also abort, which takes the app back
// as a rollback does), promote and remove.
func (a *API) HandleDeploy(envs Environments) {
	a.envs = envs
	a.handle("POST /api/apps/deploy", known, func(r *http.Request) (any, error) {
		var req DeployRequest
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxDeployRequest)).Decode(&req); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, statusError{http.StatusRequestEntityTooLarge, fmt.Errorf(
					"the spec and the files it refers to take more than %d MiB; mount large files from the host instead", maxDeployRequest>>20)}
			}
			return nil, fmt.Errorf("%w: reading the request: %v", errBadRequest, err)
		}
		d, err := a.deployer(cmp.Or(req.Environment, r.URL.Query().Get("env")))
		if err != nil {
			return nil, err
		}
		dr := deploy.Request{
			File: req.File, Dir: req.Dir, Spec: []byte(req.Spec), Env: req.Env, Files: req.Files,
			Images: req.Images, Actor: actorOf(r), Force: req.Force,
		}
		if a.gate != nil {
			// The spec names the app: it is read from what the engine is
			// given, as the engine reads it, so the right asked for is
			// on the app that would be deployed.
			app, err := spec.Read(spec.Input{Name: dr.File, Data: dr.Spec, Dir: dr.Dir, Env: dr.Env, Files: dr.Files})
			if err != nil {
				return nil, deployStatus(fmt.Errorf("%w: %w", deploy.ErrSpec, err))
			}
			if err := a.allow(r, a.appScope(d.Env(), app.Name, auth.ActionDeploy)); err != nil {
				return nil, err
			}
		}
		rev, err := d.Deploy(r.Context(), dr)
		if err != nil {
			return nil, deployStatus(err)
		}
		out := revisionOf(rev, false)
		if src := a.sources.Load(); src != nil {
			if name, suspended := (*src).ManagedBy(d.Env(), rev.App); name != "" && !suspended {
				out.Warnings = append(out.Warnings, fmt.Sprintf("git source %s manages %s: its next sync undoes this deploy. "+
					"Change the app in git, or berth source suspend %s --app %s first", name, rev.App, name, rev.App))
			}
		}
		return out, nil
	})
	a.handleDeployImage()
	a.handle("GET /api/apps", known, func(r *http.Request) (any, error) {
		ds := envs.Deployers()
		if env := r.URL.Query().Get("env"); env != "" {
			d, err := a.deployer(env)
			if err != nil {
				return nil, err
			}
			ds = []Deployer{d}
		}
		visible := []deploy.AppStatus{}
		for _, d := range ds {
			apps, err := d.Apps(r.Context())
			if err != nil {
				return nil, err
			}
			for _, app := range apps {
				switch err := a.allow(r, a.appScope(d.Env(), app.Name, auth.ActionRead)); {
				case err == nil:
					visible = append(visible, app)
				case !errors.Is(err, auth.ErrDenied):
					return nil, err
				}
			}
		}
		return visible, nil
	})
	a.handleApp("GET /api/apps/{app}", auth.ActionRead, func(r *http.Request, d Deployer) (any, error) {
		st, err := d.Status(r.Context(), r.PathValue("app"))
		return st, deployStatus(err)
	})
	a.handleApp("GET /api/apps/{app}/services/{service}", auth.ActionRead, func(r *http.Request, d Deployer) (any, error) {
		cs, err := d.Inspect(r.Context(), r.PathValue("app"), r.PathValue("service"))
		return cs, deployStatus(err)
	})
	a.handleApp("GET /api/apps/{app}/revisions", auth.ActionRead, func(r *http.Request, d Deployer) (any, error) {
		limit, err := intParam(r, "limit", 20, 1000)
		if err != nil {
			return nil, err
		}
		revs, err := d.History(r.PathValue("app"), limit)
		if err != nil {
			return nil, deployStatus(err)
		}
		out := make([]Revision, len(revs))
		for i, rev := range revs {
			out[i] = revisionOf(rev, true) // GET .../events has the events
		}
		return out, nil
	})
	a.handleApp("POST /api/apps/{app}/rollback", auth.ActionRollback, func(r *http.Request, d Deployer) (any, error) {
		to, err := intParam(r, "to", 0, 1<<30)
		if err != nil {
			return nil, err
		}
		rev, err := d.Rollback(r.Context(), r.PathValue("app"), to, actorOf(r))
		if err != nil {
			return nil, deployStatus(err)
		}
		return revisionOf(rev, false), nil
	})
	a.handleApp("POST /api/apps/{app}/promote", auth.ActionPromote, func(r *http.Request, d Deployer) (any, error) {
		return map[string]string{"app": r.PathValue("app"), "sent": "promote"}, deployStatus(d.Promote(r.PathValue("app")))
	})
	a.handleApp("POST /api/apps/{app}/abort", auth.ActionRollback, func(r *http.Request, d Deployer) (any, error) {
		return map[string]string{"app": r.PathValue("app"), "sent": "abort"}, deployStatus(d.Abort(r.PathValue("app")))
	})
	a.handleApp("DELETE /api/apps/{app}", auth.ActionRemove, func(r *http.Request, d Deployer) (any, error) {
		volumes, err := boolParam(r, "volumes")
		if err != nil {
			return nil, err
		}
		removed, err := d.Remove(r.Context(), r.PathValue("app"), deploy.RemoveOptions{Volumes: volumes})
		return removed, deployStatus(err)
	})
	a.streamApp("GET /api/apps/{app}/revisions/{n}/events", auth.ActionRead, func(w http.ResponseWriter, r *http.Request, d Deployer) error {
		return followRollout(w, r, d)
	})
	a.handleVerifications()
	a.streamApp("GET /api/apps/{app}/logs", auth.ActionLogs, func(w http.ResponseWriter, r *http.Request, d Deployer) error {
		return streamLogs(w, r, d)
	})
}

// followRollout writes a revision's events as JSON lines, the past ones
// first, and, while the rollout runs and the client listens, each new one
// as it happens; the last line is the revision as it ended.
func followRollout(w http.ResponseWriter, r *http.Request, d Deployer) error {
	app := r.PathValue("app")
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return fmt.Errorf("%w: revision %q: want a positive number", errBadRequest, r.PathValue("n"))
	}
	past, live, stop, err := d.Follow(app, n)
	if err != nil {
		return deployStatus(err)
	}
	defer stop()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	flush := func() { _ = http.NewResponseController(w).Flush() }
	for i := range past {
		_ = enc.Encode(FollowLine{Event: &past[i]})
	}
	flush()
	for live != nil {
		select {
		case ev, ok := <-live:
			if !ok {
				live = nil
				continue
			}
			_ = enc.Encode(FollowLine{Event: &ev})
			flush()
		case <-r.Context().Done():
			return nil
		}
	}
	revs, err := d.History(app, 1<<30)
	if err != nil {
		return nil // the client has every event; the summary is a courtesy
	}
	for _, rev := range revs {
		if rev.Number == n {
			shown := revisionOf(rev, true)
			_ = enc.Encode(FollowLine{Revision: &shown})
		}
	}
	return nil
}

// streamLogs writes the logs of an app's containers as plain text.
func streamLogs(w http.ResponseWriter, r *http.Request, d Deployer) error {
	follow, err := boolParam(r, "follow")
	if err != nil {
		return err
	}
	tail, err := intParam(r, "tail", 0, 1<<20)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fw := &flushWriter{w: w, rc: http.NewResponseController(w)}
	err = d.Logs(r.Context(), r.PathValue("app"), r.URL.Query().Get("service"), driver.LogOptions{Follow: follow, Tail: tail}, fw)
	if err != nil && !fw.wrote {
		return deployStatus(err)
	}
	return nil
}

// flushWriter sends every write at once.
type flushWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	wrote bool
}

func (f *flushWriter) Write(p []byte) (int, error) {
	f.wrote = true
	n, err := f.w.Write(p)
	_ = f.rc.Flush()
	return n, err
}
