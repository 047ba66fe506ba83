package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// Removed says what Remove took off the host.
type Removed struct {
	App        string   `json:"app"`
	Containers int      `json:"containers"`
	Hosts      []string `json:"hosts"`
	Revisions  int      `json:"revisions"`
	// Volumes says whether the app's named volumes went too.
	Volumes bool `json:"volumes"`
}

// RemoveOptions say what Remove takes besides the app's containers,
// routes, networks and history.
type RemoveOptions struct {
	// Volumes removes the app's own named volumes and their data; by
	// default they are kept, so that deploying the app again finds them.
	Volumes bool
}

// Remove takes app off the host for good: its hosts leave the proxy, its
// containers drain and stop, its networks go, and its record and history
// are deleted; its volumes too when opts say so. A rollout in progress
// must end (or be aborted) first.
func (e *Engine) Remove(ctx context.Context, app string, opts RemoveOptions) (Removed, error) {
	if err := e.waitRecovered(ctx); err != nil {
		return Removed{}, err
	}
	if _, err := e.store.app(app); err != nil {
		return Removed{}, err
	}
	// Hold the app as a rollout would, so that no deploy, rollback or
	// reconcile starts while it goes.
	hold := newRollout(e, &Revision{App: app}, nil, nil, nil)
	if err := e.claim(ctx, hold); err != nil {
		return Removed{}, err
	}
	defer e.release(app)

	out := Removed{App: app, Volumes: opts.Volumes}
	revs, err := e.store.revisions(app, 1<<30)
	if err != nil {
		return out, err
	}
	hosts := map[string]bool{}
	for _, r := range revs {
		// Every revision's hosts: one that failed may have routed a host
		// the live one does not.
		if parsed, err := r.read(); err == nil {
			for _, svc := range parsed.Services {
				if svc.Route != nil && svc.Route.Host != "" {
					hosts[svc.Route.Host] = true
				}
			}
		}
	}
	// Forget the app first: from here on a crash leaves containers that
	// the next start removes as strays, never an app half removed.
	if out.Revisions, err = e.store.deleteApp(app); err != nil {
		return out, err
	}
	for h := range hosts {
		e.router.Remove(h)
		out.Hosts = append(out.Hosts, h)
	}
	e.dropWarm(app)
	// Twice: a reconcile that read the app before it was forgotten may
	// have started a container since the first listing.
	for range 2 {
		insts, err := e.driver.List(ctx, app)
		if err != nil {
			return out, fmt.Errorf("listing the containers of %s: %w", app, err)
		}
		e.retire(ctx, insts, 10*time.Second)
		out.Containers += len(insts)
	}

	if err := e.driver.Release(ctx, app, driver.ReleaseOptions{Volumes: opts.Volumes}); err != nil {
		return out, fmt.Errorf("removing the networks of %s: %w", app, err)
	}
	e.log.Info("app removed", "app", app, "containers", out.Containers, "revisions", out.Revisions)
	return out, nil
}

// dropWarm forgets the warm sets of app; their containers go with the
// rest of the app's.
func (e *Engine) dropWarm(app string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, w := range e.warm {
		if len(w.insts) > 0 && w.insts[0].App == app {
			w.timer.Stop()
			delete(e.warm, k)
		}
	}
}
