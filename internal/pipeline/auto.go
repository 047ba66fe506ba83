package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/berth-dev/berth/internal/config"
)

// autoEvery is how often the automatic promotions look, besides when a
// rollout ends: the resolution of a rule's after.
const autoEvery = time.Second

// Run promotes by the environments' rules until ctx ends.
func (p *Pipeline) Run(ctx context.Context) {
	t := time.NewTicker(autoEvery)
	defer t.Stop()
	for {
		p.autoPass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-t.C:
		}
	}
}

// autoPass looks once at every app of every environment whose rule
// promotes by itself.
func (p *Pipeline) autoPass(ctx context.Context) {
	for _, to := range p.envs {
		if !to.Declared || to.Rule == nil || !to.Rule.Auto {
			continue
		}
		from, err := p.source(to, "")
		if err != nil {
			continue // the configuration is checked on load
		}
		names, err := from.Engine.Names()
		if err != nil {
			p.log.Warn("listing apps to promote", "env", from.Name, "err", err)
			continue
		}
		for _, app := range names {
			if ctx.Err() != nil {
				return
			}
			p.autoOne(ctx, from, to, app)
		}
	}
}

// autoOne promotes app from from to to if its live revision there is
// new to the rule, has been live for the rule's after, and passes.
// Each source revision is acted on once: promoted, put up for
// approval, or refused for good; one that is not healthy yet is looked
// at again.
func (p *Pipeline) autoOne(ctx context.Context, from, to *Env, app string) {
	live, ok, err := from.Engine.LiveRevision(app)
	if err != nil || !ok {
		return
	}
	mark, err := p.store.autoMark(to.Name, app)
	if err != nil || (mark.From == from.Name && mark.Revision == live.Number) {
		return
	}
	if p.now().Before(live.Finished.Add(to.Rule.After)) {
		return
	}
	done := func() {
		if err := p.store.setAutoMark(to.Name, app, autoMark{From: from.Name, Revision: live.Number}); err != nil {
			p.log.Error("recording an automatic promotion", "app", app, "env", to.Name, "err", err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.candidate(ctx, Request{App: app, To: to.Name, From: from.Name, Revision: live.Number})
	var later notYet
	switch {
	case errors.As(err, &later):
		return
	case errors.Is(err, ErrRefused):
		p.log.Info("not promoting automatically", "app", app, "env", to.Name, "from", from.Name, "revision", live.Number, "why", err)
		done()
		return
	case err != nil:
		p.log.Warn("checking an automatic promotion", "app", app, "env", to.Name, "err", err)
		return
	}
	done()
	if to.Rule.Approval == config.ApprovalManual {
		w := &Waiting{App: app, Env: to.Name, From: from.Name, Revision: live.Number, Images: imagesOf(live), By: autoActor, Since: p.now()}
		if err := p.store.setWaiting(to.Name, app, w); err != nil {
			p.log.Error("recording a promotion waiting for approval", "app", app, "env", to.Name, "err", err)
			return
		}
		p.log.Info("promotion waits for approval", "app", app, "env", to.Name, "from", from.Name, "revision", live.Number)
		return
	}
	if _, err := p.roll(ctx, c, autoActor, ""); err != nil {
		p.log.Error("promoting automatically", "app", app, "env", to.Name, "from", from.Name, "revision", live.Number, "err", err)
	}
}

// autoActor is who automatic promotions are by.
const autoActor = "promotion"
