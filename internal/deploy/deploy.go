package deploy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/spec"
)

// Request asks for a rollout.
type Request struct {
	// File is the spec's file name, for messages and the default app name.
	File string
	// Dir is the directory the file came from, for the default app name.
	Dir string
	// Spec is the compose file's content.
	Spec []byte
	// Env holds the deployer's variables the spec refers to.
	Env map[string]string
	// Files holds the files the spec refers to (env_file, secrets and
	// configs), keyed by the path as the spec gives it.
	Files map[string][]byte
	// Images overrides the image of services: service -> reference.
	Images map[string]string
	Actor  string
	// Force allows a rollout that takes a routed host off the proxy.
	Force bool
	// Source says where the spec came from when not from a person, such
	// as a git source and commit ("config@1a2b3c4"), for the history.
	Source string
	// Pinned gives services their image as resolved already: a
	// promotion runs exactly the digests of the revision it takes them
	// from. It wins over Images and the spec.
	Pinned map[string]ServiceImage
	// PinnedVerify gives verification jobs their image as resolved
	// already, by service, where the spec names the same reference: a
	// promotion runs the job that passed in the source.
	PinnedVerify map[string]ServiceImage
	// Promotion, when set, records where the pinned digests come from.
	Promotion *Promotion
}

// ErrSpec reports a spec or image that cannot be deployed; nothing on the
// host changed.
var ErrSpec = errors.New("cannot deploy")

// Deploy validates the spec, resolves every image to a digest, records a
// new revision and starts rolling it out. It returns once the rollout has
// started; Follow shows its progress.
func (e *Engine) Deploy(ctx context.Context, req Request) (Revision, error) {
	if err := e.waitRecovered(ctx); err != nil {
		return Revision{}, err
	}
	app, err := spec.Read(spec.Input{Name: req.File, Data: req.Spec, Dir: req.Dir, Env: req.Env, Files: req.Files, HostSuffix: e.opts.HostSuffix})
	if err != nil {
		return Revision{}, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	if err := e.applies(req.File, req.Spec, app); err != nil {
		return Revision{}, err
	}
	if err := e.hostsFree(app); err != nil {
		return Revision{}, err
	}
	for svc := range req.Images {
		if _, ok := serviceNamed(app, svc); !ok {
			return Revision{}, fmt.Errorf("%w: --image names service %q, which %s does not have", ErrSpec, svc, req.File)
		}
	}
	for svc := range req.Pinned {
		if _, ok := serviceNamed(app, svc); !ok {
			return Revision{}, fmt.Errorf("%w: the image of service %q is given, and %s has no such service", ErrSpec, svc, req.File)
		}
	}
	images := map[string]ServiceImage{}
	for _, svc := range app.Services {
		if img, ok := req.Pinned[svc.Name]; ok {
			images[svc.Name] = img
			continue
		}
		ref, override := svc.Image, false
		if o, ok := req.Images[svc.Name]; ok {
			ref, override = o, true
		}
		img, err := e.resolver.Resolve(ctx, ref)
		if err != nil && override {
			return Revision{}, fmt.Errorf("%w: --image %s=%s: %w", ErrSpec, svc.Name, ref, err)
		}
		if err != nil {
			at := spec.At(req.File, req.Spec, []string{"services", svc.Name, "image"}, fmt.Sprintf("%s: %v", ref, err))
			return Revision{}, fmt.Errorf("%w: %w", ErrSpec, at)
		}
		images[svc.Name] = img
	}
	verify, err := e.resolveVerify(ctx, req.File, req.Spec, app, req.PinnedVerify)
	if err != nil {
		return Revision{}, err
	}
	rev := &Revision{
		App: app.Name, Environment: e.opts.Env, File: req.File, Dir: req.Dir, Spec: req.Spec, SpecHash: app.Hash,
		HostSuffix: e.opts.HostSuffix, Env: req.Env, Files: req.Files, Actor: req.Actor, Source: req.Source,
		Promotion: req.Promotion, VerifyImages: verify, Started: e.now(), Outcome: OutcomeRunning, Events: []Event{},
	}
	return e.launch(ctx, rev, app, images, nil, req.Force)
}

// launch claims the app, places the services, records the revision and
// starts it. adopt, if not nil, offers placements a rollback may reuse;
// unless force, a spec that takes a routed host off the proxy is refused.
// The live revision is read once the app is claimed, so that no other
// rollout can change it meanwhile, and the rollout's revision is filled
// in under its lock: status and follow may read it from the moment the
// claim is made.
func (e *Engine) launch(ctx context.Context, rev *Revision, app *spec.App, images map[string]ServiceImage, adopt map[string]Placement, force bool) (Revision, error) {
	ro := newRollout(e, rev, app, nil, nil)
	if err := e.claim(ctx, ro); err != nil {
		return Revision{}, err
	}
	prev, prevApp, err := e.liveOf(rev.App)
	if err == nil && !force {
		err = keepsRoutes(prev, prevApp, app)
	}
	if err == nil {
		ro.mu.Lock()
		ro.prev, ro.prevApp = prev, prevApp
		if prev != nil {
			rev.Replaced = prev.Number
		}
		if err = e.store.newRevision(rev); err == nil {
			rev.Services, rev.Changed, rev.Strategy = place(rev.Number, app, images, prev, adopt)
		}
		ro.mu.Unlock()
	}
	if err != nil {
		e.release(rev.App)
		return Revision{}, err
	}
	if len(rev.Changed) == 0 {
		ro.event("", nil, "nothing changed since revision %d", prev.Number)
	} else {
		ro.event("", nil, "revision %d of %s by %s: %s", rev.Number, rev.App, rev.Actor, strings.Join(rev.Changed, ", "))
	}
	if !e.spawn(ro.run) {
		// Stored as running: the next start counts it as rolled back.
		e.release(rev.App)
		return Revision{}, ErrClosed
	}
	return ro.snapshot(), nil
}

// keepsRoutes refuses a spec that would take a host the live revision
// routes off the proxy: no service routes it any more, since the one
// that did goes, loses its route or moves to another host. Requests to the host would get 404 at once, which is
// rarely what was meant (an x-berth key written wrong drops the route).
func keepsRoutes(live *Revision, liveApp, next *spec.App) error {
	if live == nil {
		return nil
	}
	routed := map[string]bool{}
	for _, svc := range next.Services {
		if svc.Route != nil {
			routed[svc.Route.Host] = true
		}
	}
	var lost []string
	for _, old := range liveApp.Services {
		if old.Route == nil || routed[old.Route.Host] {
			continue
		}
		svc, ok := serviceNamed(next, old.Name)
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("%s (service %s is no longer in the spec)", old.Route.Host, old.Name))
		case svc.Route == nil:
			lost = append(lost, fmt.Sprintf("%s (service %s has no x-berth.route any more)", old.Route.Host, old.Name))
		case svc.Route.Host != old.Route.Host:
			lost = append(lost, fmt.Sprintf("%s (service %s moves to %s)", old.Route.Host, old.Name, svc.Route.Host))
		}
	}
	if len(lost) == 0 {
		return nil
	}
	return fmt.Errorf("%w: this would take %s off the proxy, which revision %d routes: requests for it would get 404 "+
		"\"no route for host\"; check the services' x-berth.route, or deploy with --force to remove it",
		ErrSpec, strings.Join(lost, " and "), live.Number)
}

// place decides where each service of the new revision runs: a service
// whose image and configuration did not change keeps its containers, any
// other gets a new set of the colour its old set is not, and so does one
// that depends, with restart: true, on a service that changed. Changed
// lists the services to roll, each after the services it depends on.
func place(n int, app *spec.App, images map[string]ServiceImage, prev *Revision, adopt map[string]Placement) (map[string]Placement, []string, string) {
	out := map[string]Placement{}
	changed := map[string]bool{}
	for _, svc := range app.Services {
		p := Placement{ServiceImage: images[svc.Name], Config: svc.ConfigDigest(), Revision: n, Set: "blue"}
		if prev != nil {
			if old, ok := prev.Services[svc.Name]; ok {
				if old.Digest == p.Digest && old.Config == p.Config {
					out[svc.Name] = old
					continue
				}
				p.Set = otherSet(old.Set)
			}
		}
		out[svc.Name] = p
		changed[svc.Name] = true
	}
	// Restart dependents of what changed, until nothing more does.
	for again := true; again; {
		again = false
		for _, svc := range app.Services {
			if changed[svc.Name] || !restartsWith(svc, changed) {
				continue
			}
			p := out[svc.Name]
			p.Revision, p.Set = n, otherSet(p.Set)
			out[svc.Name], changed[svc.Name], again = p, true, true
		}
	}
	var order, strategies []string
	for _, name := range rollOrder(app) {
		if !changed[name] {
			continue
		}
		p := out[name]
		if a, ok := adopt[name]; ok && a.Set == p.Set && a.Digest == p.Digest && a.Config == p.Config {
			p.Revision = a.Revision
			out[name] = p
		}
		svc, _ := serviceNamed(app, name)
		order = append(order, name)
		strategies = append(strategies, string(svc.Strategy))
	}
	sort.Strings(strategies)
	return out, order, strings.Join(dedupe(strategies), ",")
}

// restartsWith reports whether svc restarts when one of the changed
// services it depends on is updated (depends_on's restart: true).
func restartsWith(svc spec.Service, changed map[string]bool) bool {
	for _, d := range svc.DependsOn {
		if d.Restart && changed[d.Service] {
			return true
		}
	}
	return false
}

// rollOrder lists app's services so that each comes after the services
// it depends on, and otherwise by name. The spec has no cycles.
func rollOrder(app *spec.App) []string {
	var order []string
	done := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if done[name] {
			return
		}
		done[name] = true
		svc, ok := serviceNamed(app, name)
		if !ok {
			return // a dependency left out of the app (required: false)
		}
		for _, d := range svc.DependsOn {
			visit(d.Service)
		}
		order = append(order, name)
	}
	for _, svc := range app.Services {
		visit(svc.Name)
	}
	return order
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// liveOf returns the live revision of app and its spec, or nils.
func (e *Engine) liveOf(app string) (*Revision, *spec.App, error) {
	a, err := e.store.app(app)
	if errors.Is(err, ErrAppUnknown) || (err == nil && a.Live == 0) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	rev, err := e.store.revision(app, a.Live)
	if err != nil {
		return nil, nil, err
	}
	parsed, err := rev.read()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the spec of live revision %d: %w", rev.Number, err)
	}
	return &rev, parsed, nil
}

// snapshot copies the revision as it stands.
func (ro *rollout) snapshot() Revision {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	r := *ro.rev
	r.Events = append([]Event(nil), ro.rev.Events...)
	return r
}

// Rollback rolls app out to revision to (the one before the live one when
// to is 0) as a new revision. A blue-green set still kept warm is reused,
// so going back to it is one switch.
func (e *Engine) Rollback(ctx context.Context, app string, to int, actor string) (Revision, error) {
	if err := e.waitRecovered(ctx); err != nil {
		return Revision{}, err
	}
	a, err := e.store.app(app)
	if err != nil {
		return Revision{}, err
	}
	if to == 0 {
		to, err = e.previousGood(app, a.Live)
		if err != nil {
			return Revision{}, err
		}
	}
	target, err := e.store.revision(app, to)
	if err != nil {
		return Revision{}, err
	}
	parsed, err := target.read()
	if err != nil {
		return Revision{}, fmt.Errorf("reading the spec of revision %d: %w", to, err)
	}
	images := map[string]ServiceImage{}
	adopt := map[string]Placement{}
	for name, p := range target.Services {
		images[name] = p.ServiceImage
		adopt[name] = p
	}
	rev := &Revision{
		App: app, Environment: e.opts.Env, File: target.File, Dir: target.Dir, Spec: target.Spec, SpecHash: target.SpecHash,
		HostSuffix: target.HostSuffix, Env: target.Env, Files: target.Files,
		VerifyImages: target.VerifyImages, Actor: actor, RollbackOf: to, Started: e.now(), Outcome: OutcomeRunning, Events: []Event{},
	}
	// A rollback restores what ran before, routes included.
	return e.launch(ctx, rev, parsed, images, adopt, true)
}

// previousGood finds the newest revision before live that went live.
func (e *Engine) previousGood(app string, live int) (int, error) {
	revs, err := e.store.revisions(app, 1000)
	if err != nil {
		return 0, err
	}
	for _, r := range revs {
		if r.Number < live && (r.Outcome == OutcomeSucceeded || r.Outcome == OutcomeSuperseded) {
			return r.Number, nil
		}
	}
	return 0, fmt.Errorf("%w: no revision of %s before %d went live", ErrRevisionUnknown, app, live)
}

// Promote lets a paused rollout go on, or cuts a canary's timed pause
// short.
func (e *Engine) Promote(app string) error { return e.send(app, cmdPromote) }

// Abort stops a running rollout and takes the app back.
func (e *Engine) Abort(app string) error { return e.send(app, cmdAbort) }

func (e *Engine) send(app string, c command) error {
	ro := e.active(app)
	if ro == nil {
		return fmt.Errorf("%w for %s", ErrNotPaused, app)
	}
	select {
	case ro.control <- c:
	default: // one command is already waiting; it will do
	}
	return nil
}

// Follow returns the events of revision n of app so far and, while its
// rollout runs, a channel of the ones to come (nil once it ended) with a
// function to stop following.
func (e *Engine) Follow(app string, n int) ([]Event, <-chan Event, func(), error) {
	if ro := e.active(app); ro != nil && ro.number() == n {
		past, c, stop := ro.follow()
		return past, c, stop, nil
	}
	rev, err := e.store.revision(app, n)
	if err != nil {
		return nil, nil, nil, err
	}
	return rev.Events, nil, func() {}, nil
}
