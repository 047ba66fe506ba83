package server

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/berth-dev/berth/internal/accesslog"
	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/pattern"
)

// switchableAuth is the auth service of the configuration in force, which
// a reload replaces; empty, berth does not authenticate. Tokens stay
// valid across a reload (the signing key is the same) for as long as
// their account still has the grants.
type switchableAuth struct{ svc atomic.Pointer[auth.Service] }

// Authorize asks the current service; without one every request is
// anonymous and allowed.
func (a *switchableAuth) Authorize(r *http.Request, need []auth.Scope) (string, error) {
	svc := a.svc.Load()
	if svc == nil {
		accesslog.SetAccount(r.Context(), auth.Anonymous)
		return auth.Anonymous, nil
	}
	actor, err := svc.Authorize(r, need)
	if err == nil {
		accesslog.SetAccount(r.Context(), actor)
	}
	return actor, err
}

// ServeHTTP is the token endpoint, which exists while berth
// authenticates.
func (a *switchableAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	svc := a.svc.Load()
	if svc == nil {
		http.NotFound(w, r)
		return
	}
	svc.TokenHandler().ServeHTTP(w, r)
}

// PullToken issues the deployer's pull token, "" when berth does not
// authenticate.
func (a *switchableAuth) PullToken(repo string) (string, error) {
	svc := a.svc.Load()
	if svc == nil {
		return "", nil
	}
	return svc.PullToken(repo)
}

// tagRules are the immutability rules in force, which a reload replaces.
type tagRules struct {
	rules atomic.Pointer[[]config.TagRule]
}

func newTagRules(rules []config.TagRule) *tagRules {
	t := &tagRules{}
	t.rules.Store(&rules)
	return t
}

// guard protects the tags the rules in force match.
func (t *tagRules) guard() meta.TagGuard {
	return func(repo, tag string) string {
		for _, r := range *t.rules.Load() {
			if pattern.Match(r.Repos, repo) && pattern.Match(r.Tags, tag) {
				return r.String()
			}
		}
		return ""
	}
}

// reload puts into force what a reload may change: accounts, grants,
// anonymous pull and the rest of auth, and the immutability rules. It
// returns the settings that changed but apply only after a restart.
func (p *parts) reload(cfg config.Config) (restartOnly []string, err error) {
	cfg.DataDir = p.cfg.DataDir // the token key stays where it is
	svc, err := newAuth(cfg, p.log)
	if err != nil {
		return nil, err
	}
	// The rules first: a client that sees the new accounts sees them too.
	p.tags.rules.Store(&cfg.ImmutableTags)
	p.auth.svc.Store(svc)
	p.trusted.set(cfg)
	if p.sync != nil {
		p.sync.Set(cfg.Sources)
	}
	for name, same := range map[string]bool{
		"listen":           cfg.Listen == p.cfg.Listen,
		"proxy_listen":     cfg.ProxyListen == p.cfg.ProxyListen,
		"upload_ttl":       cfg.UploadTTL == p.cfg.UploadTTL,
		"shutdown_timeout": cfg.ShutdownTimeout == p.cfg.ShutdownTimeout,
		"log":              cfg.Log == p.cfg.Log,
		"labels":           reflect.DeepEqual(cfg.Labels, p.cfg.Labels),
		"retention":        reflect.DeepEqual(cfg.Retention, p.cfg.Retention),
		"gc":               cfg.GC == p.cfg.GC,
		"webhooks":         reflect.DeepEqual(cfg.Webhooks, p.cfg.Webhooks),
		"server":           reflect.DeepEqual(cfg.Server, p.cfg.Server),
		"proxy":            reflect.DeepEqual(cfg.Proxy, p.cfg.Proxy),
		"access_log":       cfg.AccessLog == p.cfg.AccessLog,
		"environments":     reflect.DeepEqual(cfg.Environments, p.cfg.Environments),
	} {
		if !same {
			restartOnly = append(restartOnly, name)
		}
	}
	slices.Sort(restartOnly)
	return restartOnly, nil
}

// reloadLoop reloads the configuration each time reload asks, until ctx
// ends. A configuration that does not load or validate changes nothing.
func reloadLoop(ctx context.Context, p *parts, reload <-chan struct{}, load func() (config.Config, error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload:
		}
		p.reopenAccessLog()
		if err := p.reloadFrom(load); err != nil {
			p.log.Error("reloading the configuration failed; the one in force stays", "err", err)
		}
	}
}

// reloadFrom loads the configuration, puts it into force and logs what
// changed.
func (p *parts) reloadFrom(load func() (config.Config, error)) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	later, err := p.reload(cfg)
	if err != nil {
		return err
	}
	p.log.Info("configuration reloaded", "auth", cfg.Auth.Enabled(), "users", len(cfg.Auth.Users),
		"robots", len(cfg.Auth.Robots), "immutable_tags", len(cfg.ImmutableTags), "sources", len(cfg.Sources))
	if len(later) > 0 {
		p.log.Warn("changed settings that apply only after a restart", "settings", strings.Join(later, ", "))
	}
	return nil
}
