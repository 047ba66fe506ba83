package gitops

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
)

// Engine is what the controller drives: the deploy engine of one
// environment.
type Engine interface {
	Deploy(ctx context.Context, req deploy.Request) (deploy.Revision, error)
	Remove(ctx context.Context, app string, opts deploy.RemoveOptions) (deploy.Removed, error)
	Status(ctx context.Context, app string) (deploy.AppStatus, error)
	History(app string, limit int) ([]deploy.Revision, error)
}

// Registry resolves images and lists the tags of their repositories,
// for image automation: berth's own registry from its store, any other
// with the Docker credentials of the host.
type Registry interface {
	Resolve(ctx context.Context, ref string) (deploy.ServiceImage, error)
	// Tags lists the tags of the repository of ref (a reference without
	// tag or digest, such as "127.0.0.1:5000/shop/web").
	Tags(ctx context.Context, repo string) ([]string, error)
}

// Options tune a Controller; the zero value is fine but for Env.
type Options struct {
	// Env holds the variables a spec's ${VAR} reads, as the process has
	// them; a .env file in the repository fills in the rest.
	Env map[string]string
	// Getenv and ReadFile read a source's secrets; os.Getenv and
	// os.ReadFile when nil.
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
	// MinBackoff is the first wait after a failure to reach a source,
	// doubling up to the source's interval; 1s when zero.
	MinBackoff time.Duration
}

// Controller follows the sources of the configuration.
type Controller struct {
	log *slog.Logger
	// engines are the deploy engines by environment; def is the
	// environment of a source that names none.
	engines map[string]Engine
	def     string
	reg     Registry
	opts    Options
	dir     string
	st      *state
	// appMu serialises changes to the state of apps: a source's worker
	// deploying one and the engine saying how a rollout ended.
	appMu sync.Mutex

	mu      sync.Mutex
	ctx     context.Context // set by Run
	wg      sync.WaitGroup
	sources map[string]*source
}

// New opens the controller's state under dataDir; sources follow once
// Run starts, and Set changes them. engines are the deploy engines by
// environment, and defaultEnv, one of them, is where the apps of a
// source that names no environment run.
func New(dataDir string, engines map[string]Engine, defaultEnv string, reg Registry, log *slog.Logger, opts Options) (*Controller, error) {
	if _, ok := engines[defaultEnv]; !ok {
		return nil, fmt.Errorf("opening git sync: no deploy engine for the default environment %q", defaultEnv)
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	dir := filepath.Join(dataDir, "sources")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the sources directory: %w", err)
	}
	st, err := openState(filepath.Join(dataDir, "gitops.db"))
	if err != nil {
		return nil, err
	}
	return &Controller{
		log: log, engines: maps.Clone(engines), def: defaultEnv, reg: reg, opts: opts, dir: dir, st: st,
		sources: map[string]*source{},
	}, nil
}

// Set puts the sources of a configuration in force: new ones start,
// removed ones stop (what they deployed keeps running), changed ones
// restart with their new settings.
func (c *Controller) Set(sources []config.Source) {
	want := map[string]config.Source{}
	for _, s := range sources {
		want[s.Name] = s
	}
	var stopping []*source
	c.mu.Lock()
	for name, s := range c.sources {
		if cfg, ok := want[name]; !ok || !cfg.Equal(s.cfg) {
			stopping = append(stopping, s)
			delete(c.sources, name)
		}
	}
	c.mu.Unlock()
	// A worker may ask the controller for a source meanwhile: stop them
	// unlocked, and before their successors start on the same clone.
	for _, s := range stopping {
		s.stop()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, cfg := range want {
		if _, ok := c.sources[name]; ok {
			continue
		}
		s := newSource(c, cfg)
		c.sources[name] = s
		if c.ctx != nil {
			c.startLocked(s)
		}
	}
}

// has says whether the configuration holds source name.
func (c *Controller) has(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.sources[name]
	return ok
}

func (c *Controller) startLocked(s *source) {
	s.started.Store(true)
	c.wg.Go(func() { s.run(c.ctx) })
}

// Run follows every source until ctx ends, then waits for their work
// to stop.
func (c *Controller) Run(ctx context.Context) {
	c.mu.Lock()
	c.ctx = ctx
	for _, s := range c.sources {
		c.startLocked(s)
	}
	c.mu.Unlock()
	<-ctx.Done()
	c.wg.Wait()
}

// Close closes the state; Run must have returned.
func (c *Controller) Close() error { return c.st.close() }

func (c *Controller) source(name string) (*source, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sources[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", api.ErrSourceUnknown, name)
	}
	return s, nil
}

// List returns the status of every source, by name.
func (c *Controller) List() []api.SourceStatus {
	c.mu.Lock()
	names := make([]string, 0, len(c.sources))
	for n := range c.sources {
		names = append(names, n)
	}
	c.mu.Unlock()
	slices.Sort(names)
	out := make([]api.SourceStatus, 0, len(names))
	for _, n := range names {
		if st, err := c.Status(n); err == nil {
			out = append(out, st)
		}
	}
	return out
}

// Status returns one source's status.
func (c *Controller) Status(name string) (api.SourceStatus, error) {
	s, err := c.source(name)
	if err != nil {
		return api.SourceStatus{}, err
	}
	return s.status(), nil
}

// Sync makes the source fetch and apply now and returns its status once
// that pass is over and the rollouts of its apps have ended, those it
// started and those an earlier pass did.
func (c *Controller) Sync(ctx context.Context, name string) (api.SourceStatus, error) {
	s, err := c.source(name)
	if err != nil {
		return api.SourceStatus{}, err
	}
	if err := s.sync(ctx); err != nil {
		return api.SourceStatus{}, err
	}
	for _, a := range s.status().Apps {
		if a.App == "" {
			continue
		}
		if err := c.waitRollout(ctx, c.idOf(a.Env, a.App)); err != nil {
			return api.SourceStatus{}, err
		}
	}
	return s.status(), nil
}

// waitRollout waits until app has no rollout in progress.
func (c *Controller) waitRollout(ctx context.Context, id appID) error {
	eng, err := c.engine(id.env)
	if err != nil {
		return nil
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		st, err := eng.Status(ctx, id.name)
		if err != nil || st.Rollout == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the rollout of %s: %w", c.label(id), ctx.Err())
		case <-t.C:
		}
	}
}

// Suspend stops applying a source, or only app of it ("" for all),
// until Resume; the suspension survives restarts. app is ENV/APP for
// one environment's app, a bare name for that app in every
// environment the source holds it for.
func (c *Controller) Suspend(name, app string) (api.SourceStatus, error) {
	return c.setSuspended(name, app, true)
}

// Resume undoes Suspend and reconciles at once.
func (c *Controller) Resume(name, app string) (api.SourceStatus, error) {
	return c.setSuspended(name, app, false)
}

func (c *Controller) setSuspended(name, app string, on bool) (api.SourceStatus, error) {
	s, err := c.source(name)
	if err != nil {
		return api.SourceStatus{}, err
	}
	keys := []string{""}
	if app != "" {
		ids, err := c.appsNamed(name, app)
		if err != nil {
			return api.SourceStatus{}, err
		}
		if len(ids) == 0 {
			return api.SourceStatus{}, fmt.Errorf("%w: %s holds no app %s", api.ErrSourceAppUnknown, name, app)
		}
		keys = keys[:0]
		for _, id := range ids {
			keys = append(keys, id.key())
		}
	}
	for _, k := range keys {
		if err := c.st.setSuspended(name, k, on); err != nil {
			return api.SourceStatus{}, err
		}
	}
	what := "source"
	if app != "" {
		what = "app " + app + " of source"
	}
	if on {
		c.log.Info(what+" suspended", "source", name)
	} else {
		c.log.Info(what+" resumed", "source", name)
		s.kick()
	}
	return s.status(), nil
}

// ManagedBy names the source that holds app in env ("" for the default
// environment), "" for none, and whether that source or the app is
// suspended: what an ad-hoc deploy warns of.
func (c *Controller) ManagedBy(env, app string) (source string, suspended bool) {
	key := c.idOf(env, app).key()
	a, err := c.st.app(key)
	if err != nil || a == nil {
		return "", false
	}
	s, err := c.source(a.Source)
	if err != nil {
		return "", false
	}
	return a.Source, s.isSuspended(key)
}

// WebhookSecret returns the secret a push webhook for source must be
// signed with, nil when it takes none.
func (c *Controller) WebhookSecret(name string) ([]byte, error) {
	s, err := c.source(name)
	if err != nil {
		return nil, err
	}
	sec, err := s.cfg.Secrets(c.opts.Getenv, c.opts.ReadFile)
	if err != nil {
		return nil, err
	}
	return sec.WebhookSecret, nil
}

// Pushed says that branch of source moved (a webhook): a pass starts
// when it is the branch the source follows.
func (c *Controller) Pushed(name, branch string) (bool, error) {
	s, err := c.source(name)
	if err != nil {
		return false, err
	}
	if branch != "" && branch != s.branch() {
		return false, nil
	}
	s.kick()
	return true, nil
}

// ImagePushed says that repository repo of berth's registry got a new
// tag or digest: every source with an app using it starts a pass.
func (c *Controller) ImagePushed(repo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sources {
		if s.uses(repo) {
			s.kick()
		}
	}
}
