package deploy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/spec"
)

// Names lists the apps the engine knows, live or not, sorted.
func (e *Engine) Names() ([]string, error) {
	apps, err := e.store.apps()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(apps))
	for i, a := range apps {
		out[i] = a.Name
	}
	sort.Strings(out)
	return out, nil
}

// RoutedBy returns the app of this engine that routes host, live or
// being rolled out, or "".
func (e *Engine) RoutedBy(host string) string { return e.routedHosts()[host] }

// routedHosts maps each host the engine's apps route, live or being
// rolled out, to its app.
func (e *Engine) routedHosts() map[string]string {
	out := map[string]string{}
	add := func(name string, app *spec.App) {
		for _, svc := range app.Services {
			if svc.Route != nil {
				out[svc.Route.Host] = name
			}
		}
	}
	names, err := e.Names()
	if err != nil {
		e.log.Warn("listing apps to find the hosts they route", "err", err)
	}
	for _, name := range names {
		if _, live, err := e.liveOf(name); err == nil && live != nil {
			add(name, live)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, ro := range e.rollouts {
		if ro.app != nil {
			add(name, ro.app)
		}
	}
	return out
}

// hostsFree refuses an app that would route a host another app routes,
// in this engine or, through Options.HostOwner, in another: the proxy
// has one route per host, and the second app would take the first's
// traffic.
func (e *Engine) hostsFree(app *spec.App) error {
	var taken []string
	var mine map[string]string
	for _, svc := range app.Services {
		if svc.Route == nil {
			continue
		}
		if mine == nil {
			mine = e.routedHosts()
		}
		host := svc.Route.Host
		owner := mine[host]
		if owner == app.Name {
			continue
		}
		if owner != "" && e.opts.Env != "" {
			owner = e.opts.Env + "/" + owner
		}
		if owner == "" && e.opts.HostOwner != nil {
			owner = e.opts.HostOwner(host)
		}
		if owner != "" {
			taken = append(taken, fmt.Sprintf("%s (service %s) is routed by app %s", host, svc.Name, owner))
		}
	}
	if len(taken) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s: one host goes to one app; give this one another host (or an environment its own host_suffix)",
		ErrSpec, strings.Join(taken, "; "))
}
