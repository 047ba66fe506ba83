package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/internal/accesslog"
	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver/docker"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/gc"
	"github.com/berth-dev/berth/internal/gitops"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/metrics"
	"github.com/berth-dev/berth/internal/pipeline"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/seal"
	"github.com/berth-dev/berth/internal/spec"
	"github.com/berth-dev/berth/internal/webhook"
)

// auditKeep is how many audit entries garbage collection leaves.
const auditKeep = 1_000_000

// parts are the pieces of a running berth.
type parts struct {
	cfg       config.Config
	log       *slog.Logger
	db        *meta.DB
	registry  *registry.Registry
	collector *gc.Collector
	metrics   *metrics.Metrics
	api       *api.API
	auth      *switchableAuth
	tags      *tagRules
	hooks     *webhook.Dispatcher
	sub       *events.Subscription
	envs      []*environment
	pipeline  *pipeline.Pipeline
	sync      *gitops.Controller
	pushes    *events.Subscription // registry pushes, for git sync
	trusted   trustedProxies
	access    *accesslog.Log // the registry's access log; nil in tests
}

// assemble builds every part from the configuration; listen is where the
// registry is reachable, router the edge proxy.
func assemble(cfg config.Config, db *meta.DB, blobs *blob.Store, listen net.Addr, router deploy.Router, log *slog.Logger) (*parts, error) {
	p := &parts{cfg: cfg, log: log, db: db}
	p.trusted.set(cfg)
	svc, err := newAuth(cfg, log)
	if err != nil {
		return nil, err
	}
	p.auth = &switchableAuth{}
	p.auth.svc.Store(svc) // nil: berth does not authenticate
	p.tags = newTagRules(cfg.ImmutableTags)
	guard := p.tags.guard()
	bus := events.NewBus()
	if len(cfg.Webhooks) > 0 {
		p.sub = bus.Subscribe(4096)
		p.hooks = webhook.New(cfg.Webhooks, db, nil, log, webhook.Options{})
	}
	p.metrics = metrics.New(db)
	p.registry = registry.New(blobs, db, log, registry.Options{
		Authorizer:   p.auth,
		Guard:        guard,
		Events:       bus,
		Observer:     p.metrics,
		RecentWindow: cfg.GC.Grace,
	})
	collector := gc.New(db, blobs, gc.Config{
		Grace:     cfg.GC.Grace,
		Retention: retentionRules(cfg.Retention),
		Guard:     guard,
		InUse:     p.registry.RecentlyUsed,
		AuditKeep: auditKeep,
		Events:    bus,
	}, log)
	p.collector = collector
	p.metrics.RegisterGC(collector)
	p.api = api.New(gate{p.auth}, log)
	p.api.HandleAudit(db)
	p.api.HandleGC(collector)
	p.api.HandleDeliveries(db)

	res := newResolver(db, listen, p.auth.PullToken)
	inst, err := loadInstance(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	box, err := seal.Load(filepath.Join(cfg.DataDir, "auth", "secrets.key"), log)
	if err != nil {
		return nil, err
	}
	// Git sync and the pipeline hear how rollouts end; they are made
	// after the engines they drive, and no rollout starts before start.
	var sync atomic.Pointer[gitops.Controller]
	var pipe atomic.Pointer[pipeline.Pipeline]
	onEnd := func(ended deploy.Revision, wasLive *deploy.Revision) {
		if c := sync.Load(); c != nil {
			c.OnEnd(ended, wasLive)
		}
		if pl := pipe.Load(); pl != nil {
			pl.Kick()
		}
	}
	specs, err := envSpecs(cfg)
	if err != nil {
		return nil, err
	}
	for _, es := range specs {
		env := &environment{cfg: es.cfg, declared: es.declared}
		name := env.cfg.Name
		if env.driver, err = docker.New(log.With("env", name), docker.WithRegistryAuth(res.pullAuth), docker.WithLabels(cfg.Labels),
			docker.WithInstance(inst.ID, inst.AdoptUnlabelled), docker.WithEnvironment(name, name == config.DefaultEnvironment),
			docker.WithFilesDir(filepath.Join(cfg.DataDir, "files"))); err != nil {
			closeEnvs(p.envs, log)
			return nil, fmt.Errorf("environment %s: %w", name, err)
		}
		env.engine, err = deploy.New(cfg.DataDir, env.driver, router, res, log.With("env", name), deploy.Options{
			Secrets: box, OnEnd: onEnd, Env: name, HostSuffix: env.cfg.HostSuffix, Store: storeFile(name), ProxyAddr: proxyAddr(router),
			HostOwner: func(host string) string {
				if pl := pipe.Load(); pl != nil {
					return pl.HostOwner(name, host)
				}
				return ""
			},
		})
		if err != nil {
			_ = env.driver.Close()
			closeEnvs(p.envs, log)
			return nil, fmt.Errorf("environment %s: %w", name, err)
		}
		if !env.declared {
			names, err := env.engine.Names()
			if err == nil && len(names) == 0 {
				_ = env.engine.Close()
				_ = env.driver.Close()
				continue
			}
			log.Warn("berth.yaml no longer declares this environment; its apps keep running: remove them with --env, or declare it again to deploy to it",
				"env", name, "apps", strings.Join(names, ", "))
		}
		p.envs = append(p.envs, env)
	}
	if len(cfg.Environments) > 0 {
		log.Info("environments", "order", strings.Join(cfg.EnvNames(), ", "))
	}
	if p.pipeline, err = pipeline.New(cfg.DataDir, pipelineEnvs(p.envs), log); err != nil {
		closeEnvs(p.envs, log)
		return nil, err
	}
	pipe.Store(p.pipeline)
	p.api.HandleDeploy(apiEnvs(p.envs))
	p.api.HandlePipeline(p.pipeline)
	engines := map[string]gitops.Engine{}
	for _, e := range p.envs {
		engines[e.cfg.Name] = e.engine
	}
	if p.sync, err = gitops.New(cfg.DataDir, engines, p.envs[0].cfg.Name, res, log, gitops.Options{Env: spec.ProcessEnv()}); err != nil {
		_ = p.pipeline.Close()
		closeEnvs(p.envs, log)
		return nil, err
	}
	sync.Store(p.sync)
	p.pipeline.SetGit(p.sync.ForPipeline())
	p.sync.Set(cfg.Sources)
	p.pushes = bus.Subscribe(1024)
	p.api.HandleSources(p.sync)
	return p, nil
}

// start runs the background work until ctx ends; wg tracks it.
func (p *parts) start(ctx context.Context, wg *sync.WaitGroup) {
	for _, e := range p.envs {
		wg.Go(func() {
			if err := e.engine.Start(); err != nil {
				p.log.Error("the deploy engine could not restore the apps", "env", e.cfg.Name, "err", err)
			}
		})
	}
	wg.Go(func() { p.pipeline.Run(ctx) })
	wg.Go(func() { sweepLoop(ctx, p.registry, p.cfg.UploadTTL, p.log) })
	if p.cfg.GC.Interval > 0 {
		wg.Go(func() { p.collector.Loop(ctx, p.cfg.GC.Interval) })
	}
	wg.Go(func() { p.sync.Run(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-p.pushes.C:
				if ev.Action == events.ActionPush {
					p.sync.ImagePushed(ev.Repository)
				}
			}
		}
	})
	if p.hooks != nil {
		wg.Go(func() {
			if err := p.hooks.Run(ctx, p.sub); err != nil {
				p.log.Error("webhook delivery stopped", "err", err)
			}
		})
	}
}

// close releases what start used, once the background work has stopped.
func (p *parts) close() {
	if p.sub != nil {
		p.sub.Close()
	}
	p.pushes.Close()
	if err := p.sync.Close(); err != nil {
		p.log.Error("closing git sync", "err", err)
	}
	if err := p.pipeline.Close(); err != nil {
		p.log.Error("closing the pipeline", "err", err)
	}
	closeEnvs(p.envs, p.log)
}

func retentionRules(rules []config.RetentionRule) []meta.RetentionRule {
	out := make([]meta.RetentionRule, len(rules))
	for i, r := range rules {
		out[i] = meta.RetentionRule{Repos: r.Repos, Tags: r.Tags, Keep: r.Keep, UntaggedOlderThan: r.UntaggedOlderThan}
	}
	return out
}

// sweepLoop expires idle uploads until ctx ends.
func sweepLoop(ctx context.Context, reg *registry.Registry, ttl time.Duration, log *slog.Logger) {
	every := min(max(ttl/4, 10*time.Second), 10*time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := reg.SweepUploads(ttl); err != nil {
				log.Warn("sweeping uploads failed", "err", err)
			}
		}
	}
}
