package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/proxy"
)

// Router is the edge proxy as the engine uses it.
type Router interface {
	Set(proxy.Route) error
	Remove(host string)
	Drain(ctx context.Context, backendID string) error
	Healthy(backendID string) (healthy, known bool)
	Stats(host, set string, revision int, window time.Duration) proxy.Stats
}

// Resolver pins an image reference to a digest.
type Resolver interface {
	// Resolve returns what the host must pull for ref, pinned by digest,
	// or an error saying why the image cannot be had.
	Resolve(ctx context.Context, ref string) (ServiceImage, error)
}

// Options tune the engine.
type Options struct {
	// Env names the environment whose apps the engine deploys, for
	// revisions and messages; HostSuffix is appended to the route hosts
	// of the apps it deploys (see spec.Input.HostSuffix).
	Env        string
	HostSuffix string
	// Store is the file name, in the data directory, of the engine's
	// state; default deploy.db.
	Store string
	// HostOwner, if set, names the app of another engine (another
	// environment) that routes host, "" when none does: a deploy that
	// would route a host another environment's app routes is refused.
	HostOwner func(host string) string
	// ProxyAddr is the host:port the edge proxy listens on, where a
	// verification job (x-berth.verify) reaches the new version; a host
	// of 0.0.0.0, :: or none is reached at 127.0.0.1. Without it, or
	// with a driver that is no driver.Runner, a spec with a
	// verification job is refused.
	ProxyAddr string
	// ReadyTimeout bounds how long a new container may take to become
	// healthy before it counts as failed. Default 2m.
	ReadyTimeout time.Duration
	// ReconcileEvery is how often the live state is checked against the
	// host (missing or exited containers replaced). Default 10s.
	ReconcileEvery time.Duration
	// Secrets seals the variables and files of revisions in the store.
	// Required.
	Secrets Sealer
	// OnEnd, if set, learns of every rollout that ended, with the
	// revision that was live when it started (nil for the first), once
	// its outcome is stored: what git sync needs to write rollbacks back
	// and to stop proposing what failed. It runs on the rollout's
	// goroutine after the app is released; it must not block for long.
	OnEnd func(ended Revision, wasLive *Revision)
}

// Engine deploys apps.
type Engine struct {
	store    *store
	driver   driver.Driver
	router   Router
	resolver Resolver
	log      *slog.Logger
	opts     Options
	probe    *http.Client
	now      func() time.Time

	mu       sync.Mutex
	rollouts map[string]*rollout // the running or paused rollout of each app
	// converging holds the apps being reconciled; a rollout that wants
	// one cancels its reconcile and waits for it to end.
	converging map[string]*reconcile
	warm       map[string]*warmSet // app/service -> the previous set kept after a switch
	// unsettled holds the apps found at Start that have not been
	// reconciled since.
	unsettled map[string]bool
	// retiring holds the containers being drained, stopped and removed.
	retiring map[string]bool
	// poked holds the apps a reconcile was asked for while a rollout
	// held them.
	poked  map[string]bool
	ctx    context.Context // ends when the engine closes
	cancel context.CancelFunc
	// closing is set, under mu, once Close has begun: no goroutine
	// starts after it, so that wg.Wait sees every one.
	closing bool
	wg      sync.WaitGroup
	// recovered closes once Start has restored the apps; rollouts wait.
	recovered chan struct{}
}

// New opens the engine's state under dataDir.
func New(dataDir string, d driver.Driver, r Router, res Resolver, log *slog.Logger, opts Options) (*Engine, error) {
	if opts.Secrets == nil {
		return nil, errors.New("opening the deploy engine: no key to seal secrets with")
	}
	if opts.Store == "" {
		opts.Store = "deploy.db"
	}
	st, err := openStore(filepath.Join(dataDir, opts.Store), opts.Secrets)
	if err != nil {
		return nil, err
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 2 * time.Minute
	}
	if opts.ReconcileEvery <= 0 {
		opts.ReconcileEvery = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{
		store: st, driver: d, router: r, resolver: res, log: log, opts: opts,
		probe:      &http.Client{Timeout: 5 * time.Second},
		now:        time.Now,
		rollouts:   map[string]*rollout{},
		converging: map[string]*reconcile{},
		unsettled:  map[string]bool{},
		retiring:   map[string]bool{},
		poked:      map[string]bool{},
		warm:       map[string]*warmSet{},
		ctx:        ctx,
		cancel:     cancel,
		recovered:  make(chan struct{}),
	}, nil
}

// Start recovers from whatever state the host and store are in, then
// keeps the host converged on the live revisions until Close.
func (e *Engine) Start() error {
	err := e.recover(e.ctx)
	close(e.recovered)
	if err != nil {
		return err
	}
	if !e.spawn(e.reconcileLoop) {
		return fmt.Errorf("starting the deploy engine: %w", ErrClosed)
	}
	if w, ok := e.driver.(driver.Watcher); ok {
		e.spawn(func() { e.watch(w) })
	}
	return nil
}

// Env returns the name of the engine's environment.
func (e *Engine) Env() string { return e.opts.Env }

// ErrClosed reports a call on an engine that is closing.
var ErrClosed = errors.New("the deploy engine is closing")

// spawn runs f in a goroutine that Close waits for, unless the engine is
// closing; it reports whether f runs.
func (e *Engine) spawn(f func()) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing {
		return false
	}
	e.wg.Go(f)
	return true
}

// waitRecovered waits until Start has restored the apps.
func (e *Engine) waitRecovered(ctx context.Context) error {
	select {
	case <-e.recovered:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the deploy engine to restore the apps: %w", ctx.Err())
	}
}

// Close stops reconciling and interrupts running rollouts, which the next
// Start rolls back, and closes the store.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closing = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
	if err := e.store.close(); err != nil {
		return fmt.Errorf("closing deploy state: %w", err)
	}
	return nil
}

// claim registers ro as app's rollout unless one is running. A
// reconcile of the app in progress is cancelled and waited for: the
// rollout is what the user asked for, and it converges the app anyway.
func (e *Engine) claim(ctx context.Context, ro *rollout) error {
	app := ro.rev.App
	for {
		e.mu.Lock()
		if e.closing {
			e.mu.Unlock()
			return ErrClosed
		}
		if cur, ok := e.rollouts[app]; ok {
			n := cur.number()
			e.mu.Unlock()
			if n == 0 {
				return fmt.Errorf("%w (a removal)", ErrBusy)
			}
			return fmt.Errorf("%w (revision %d)", ErrBusy, n)
		}
		rc := e.converging[app]
		if rc == nil {
			e.rollouts[app] = ro
			e.mu.Unlock()
			return nil
		}
		e.mu.Unlock()
		rc.cancel()
		select {
		case <-rc.done:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the reconcile of %s to stop: %w", app, ctx.Err())
		}
	}
}

// release lets app go, and reconciles it if the host changed while a
// rollout or a removal held it.
func (e *Engine) release(app string) {
	e.mu.Lock()
	delete(e.rollouts, app)
	poked := e.poked[app]
	delete(e.poked, app)
	e.mu.Unlock()
	if poked {
		e.startReconcile(app)
	}
}

func (e *Engine) active(app string) *rollout {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rollouts[app]
}

// setRoute hands a route to the proxy. The routes the engine builds are
// valid by construction; one that is not is logged, and the old route
// keeps serving.
func (e *Engine) setRoute(r proxy.Route) {
	if err := e.router.Set(r); err != nil {
		e.log.Error("updating the proxy", "host", r.Host, "err", err)
	}
}
