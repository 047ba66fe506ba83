package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// AppStatus is what `berth status` shows for an app.
type AppStatus struct {
	Name string `json:"name"`
	// Env is the environment the app runs in.
	Env string `json:"env,omitempty"`
	// Live is the revision that serves; 0 before the first rollout ends.
	Live     int             `json:"live"`
	Rollout  *RolloutStatus  `json:"rollout,omitempty"`
	Services []ServiceStatus `json:"services"`
}

// RolloutStatus is a rollout in progress.
type RolloutStatus struct {
	Revision  int       `json:"revision"`
	Outcome   Outcome   `json:"outcome"`
	Started   time.Time `json:"started"`
	LastEvent *Event    `json:"lastEvent,omitempty"`
}

// ServiceStatus is one service of the live revision and what runs of it.
type ServiceStatus struct {
	Name       string `json:"name"`
	Ref        string `json:"ref"`
	Digest     string `json:"digest"`
	PullPolicy string `json:"pullPolicy"`
	Strategy   string `json:"strategy"`
	Host       string `json:"host,omitempty"`
	// Ports are the ports it publishes on the host.
	Ports    []string `json:"ports,omitempty"`
	Revision int      `json:"revision"`
	Set      string   `json:"set"`
	Replicas int      `json:"replicas"`
	Running  int      `json:"running"`
	Healthy  int      `json:"healthy"`
	// Job says the service runs to completion; Completed counts its
	// containers that exited with 0.
	Job       bool `json:"job,omitempty"`
	Completed int  `json:"completed,omitempty"`
	// Sets are the sets that run besides the live one: the new set of a
	// rollout in progress, and the old set kept warm after a switch.
	Sets []SetStatus `json:"sets,omitempty"`
}

// Apps returns the status of every app.
func (e *Engine) Apps(ctx context.Context) ([]AppStatus, error) {
	apps, err := e.store.apps()
	if err != nil {
		return nil, err
	}
	out := []AppStatus{}
	for _, a := range apps {
		st, err := e.Status(ctx, a.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Status returns the status of app.
func (e *Engine) Status(ctx context.Context, app string) (AppStatus, error) {
	if _, err := e.store.app(app); err != nil {
		return AppStatus{}, err
	}
	st := AppStatus{Name: app, Env: e.opts.Env, Services: []ServiceStatus{}}
	if ro := e.active(app); ro != nil {
		r := ro.snapshot()
		rs := &RolloutStatus{Revision: r.Number, Outcome: r.Outcome, Started: r.Started}
		if n := len(r.Events); n > 0 {
			rs.LastEvent = &r.Events[n-1]
		}
		st.Rollout = rs
	}
	live, liveApp, err := e.liveOf(app)
	if err != nil || live == nil {
		return st, err
	}
	st.Live = live.Number
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		return AppStatus{}, fmt.Errorf("listing the containers of %s: %w", app, err)
	}
	ro := e.active(app)
	for _, svc := range liveApp.Services {
		p := live.Services[svc.Name]
		ss := ServiceStatus{Name: svc.Name, Ref: p.Ref, Digest: p.Digest, PullPolicy: string(svc.PullPolicy),
			Strategy: string(svc.Strategy), Revision: p.Revision, Set: p.Set, Replicas: svc.Replicas,
			Ports: Ports(svc.Runtime), Job: isJob(liveApp, svc.Name)}
		if svc.Route != nil {
			ss.Host = svc.Route.Host
		}
		ss.Running, ss.Healthy, ss.Completed = e.countSet(svc, ss.Job, insts, p)
		ss.Sets = e.otherSets(app, svc, p, insts, ro)
		st.Services = append(st.Services, ss)
	}
	return st, nil
}

// History lists the revisions of app, newest first.
func (e *Engine) History(app string, limit int) ([]Revision, error) {
	if _, err := e.store.app(app); err != nil {
		return nil, err
	}
	return e.store.revisions(app, limit)
}

// Logs writes the output of the live containers of app (of one service,
// if service is set) to w, each line prefixed with its container's name.
func (e *Engine) Logs(ctx context.Context, app, service string, opts driver.LogOptions, w io.Writer) error {
	if _, err := e.store.app(app); err != nil {
		return err
	}
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		return fmt.Errorf("listing the containers of %s: %w", app, err)
	}
	var chosen []driver.Instance
	for _, i := range insts {
		if service == "" || i.Service == service {
			chosen = append(chosen, i)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("%w: %s has no containers%s", ErrAppUnknown, app, forService(service))
	}
	sort.Slice(chosen, func(a, b int) bool { return chosen[a].Name < chosen[b].Name })
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(chosen))
	for k, inst := range chosen {
		wg.Go(func() {
			pw := &prefixWriter{mu: &mu, w: w, prefix: inst.Service + "/" + fmt.Sprint(inst.Index) + " | "}
			errs[k] = e.driver.Logs(ctx, inst.ID, opts, pw)
			pw.flush()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

func forService(s string) string {
	if s == "" {
		return ""
	}
	return " for service " + s
}

// prefixWriter writes whole lines with a prefix, one writer at a time.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.mu.Lock()
		_, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.mu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
}

func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		p.mu.Lock()
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.mu.Unlock()
		p.buf = nil
	}
}

// LiveRevision returns the live revision of app, and false when the app
// has none (it is unknown, or no rollout of it has succeeded yet).
func (e *Engine) LiveRevision(app string) (Revision, bool, error) {
	a, err := e.store.app(app)
	if errors.Is(err, ErrAppUnknown) || (err == nil && a.Live == 0) {
		return Revision{}, false, nil
	}
	if err != nil {
		return Revision{}, false, err
	}
	rev, err := e.store.revision(app, a.Live)
	if err != nil {
		return Revision{}, false, err
	}
	return rev, true, nil
}
