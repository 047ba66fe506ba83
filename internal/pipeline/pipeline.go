package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
)

// Engine is one environment's deploy engine as the pipeline uses it.
type Engine interface {
	Deploy(ctx context.Context, req deploy.Request) (deploy.Revision, error)
	Status(ctx context.Context, app string) (deploy.AppStatus, error)
	History(app string, limit int) ([]deploy.Revision, error)
	LiveRevision(app string) (deploy.Revision, bool, error)
	Names() ([]string, error)
}

// Env is one environment.
type Env struct {
	Name   string
	Engine Engine
	// Rule is how digests come into the environment; nil when the
	// configuration gives none (a promotion by hand still may, from
	// the environment before it).
	Rule *config.Promotion
	// Declared is false for an environment the configuration no longer
	// declares whose apps still run: they are kept and shown, and
	// nothing is deployed or promoted into it.
	Declared bool
}

// Git is git sync as a promotion into a git-managed app uses it.
type Git interface {
	// ManagedBy names the git source that manages app in env, "" when
	// none does.
	ManagedBy(env, app string) string
	// Promote writes images (service -> repository:tag@digest) into the
	// app's file of the source for env, commits them with message,
	// pushes, and applies the commit; it returns the revision that
	// rollout made.
	Promote(ctx context.Context, source, env, app string, images map[string]string, message string, by deploy.Promotion) (deploy.Revision, error)
}

var (
	// ErrEnvUnknown reports an environment that is not declared.
	ErrEnvUnknown = errors.New("environment unknown")
	// ErrRefused reports a promotion that cannot happen as asked:
	// nothing changed anywhere.
	ErrRefused = errors.New("cannot promote")
	// ErrNothingWaiting reports an approval with no promotion waiting.
	ErrNothingWaiting = errors.New("no promotion is waiting for approval")
)

// Pipeline is berth's environments in order.
type Pipeline struct {
	envs  []*Env
	store *store
	git   atomic.Pointer[Git]
	log   *slog.Logger
	now   func() time.Time
	// kick wakes the automatic promotions.
	kick chan struct{}
	// mu orders promotions, so that two never race into one app.
	mu sync.Mutex
}

// New opens the pipeline's state under dataDir. envs come in order; at
// least one is declared.
func New(dataDir string, envs []*Env, log *slog.Logger) (*Pipeline, error) {
	if !slices.ContainsFunc(envs, func(e *Env) bool { return e.Declared }) {
		return nil, errors.New("opening the pipeline: no environment is declared")
	}
	st, err := openStore(filepath.Join(dataDir, "pipeline.db"))
	if err != nil {
		return nil, err
	}
	return &Pipeline{envs: envs, store: st, log: log, now: time.Now, kick: make(chan struct{}, 1)}, nil
}

// Close closes the pipeline's state.
func (p *Pipeline) Close() error { return p.store.close() }

// SetGit lets promotions into git-managed apps commit to git.
func (p *Pipeline) SetGit(g Git) { p.git.Store(&g) }

// Envs returns the environments in order, declared ones first.
func (p *Pipeline) Envs() []*Env { return slices.Clone(p.envs) }

// Default is the first environment: the one a command without --env
// means.
func (p *Pipeline) Default() *Env { return p.envs[0] }

// Env returns the environment called name, the first for "".
func (p *Pipeline) Env(name string) (*Env, error) {
	if name == "" {
		return p.envs[0], nil
	}
	for _, e := range p.envs {
		if e.Name == name {
			return e, nil
		}
	}
	var names []string
	for _, e := range p.envs {
		if e.Declared {
			names = append(names, e.Name)
		}
	}
	return nil, fmt.Errorf("%w: %q is not one of berth's environments (%s)", ErrEnvUnknown, name, strings.Join(names, ", "))
}

// HostOwner names the app, as env/app, that routes host in an
// environment other than env, or "".
func (p *Pipeline) HostOwner(env, host string) string {
	for _, e := range p.envs {
		if e.Name == env {
			continue
		}
		if r, ok := e.Engine.(interface{ RoutedBy(string) string }); ok {
			if app := r.RoutedBy(host); app != "" {
				return e.Name + "/" + app
			}
		}
	}
	return ""
}

// Kick makes the automatic promotions look again soon: a rollout ended
// somewhere.
func (p *Pipeline) Kick() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// previous is the environment before e, nil for the first.
func (p *Pipeline) previous(e *Env) *Env {
	i := slices.Index(p.envs, e)
	if i <= 0 {
		return nil
	}
	return p.envs[i-1]
}
