package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
)

// AppView is one app across the environments.
type AppView struct {
	App  string    `json:"app"`
	Envs []EnvView `json:"envs"`
}

// EnvView is where an app stands in one environment.
type EnvView struct {
	Env      string `json:"env"`
	Declared bool   `json:"declared"`
	// Revision is the live revision, 0 when none; Since when it went
	// live.
	Revision int                   `json:"revision"`
	Since    time.Time             `json:"since,omitzero"`
	Images   []ImageView           `json:"images,omitempty"`
	Healthy  bool                  `json:"healthy"`
	Health   string                `json:"health,omitempty"` // what is not healthy
	Verified string                `json:"verified"`         // passed, failed or none
	Rollout  *deploy.RolloutStatus `json:"rollout,omitempty"`
	// Promotion says where the live revision's digests came from.
	Promotion *deploy.Promotion `json:"promotion,omitempty"`
	// Waiting is a promotion into this environment waiting for approval.
	Waiting *Waiting `json:"waiting,omitempty"`
	// Next says what happens next by the environment's rule.
	Next string `json:"next,omitempty"`
}

// ImageView is one service's image.
type ImageView struct {
	Service string `json:"service"`
	Ref     string `json:"ref"`
	Digest  string `json:"digest"`
}

// View shows app (every app when "") in every environment, in order.
func (p *Pipeline) View(ctx context.Context, app string) ([]AppView, error) {
	apps := map[string]bool{}
	for _, e := range p.envs {
		names, err := e.Engine.Names()
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if app == "" || n == app {
				apps[n] = true
			}
		}
	}
	if app != "" && !apps[app] {
		return nil, fmt.Errorf("%w: app %s runs in no environment", deploy.ErrAppUnknown, app)
	}
	out := []AppView{}
	for _, name := range slices.Sorted(maps.Keys(apps)) {
		v := AppView{App: name}
		for _, e := range p.envs {
			ev, err := p.envView(ctx, e, name)
			if err != nil {
				return nil, err
			}
			v.Envs = append(v.Envs, ev)
		}
		out = append(out, v)
	}
	return out, nil
}

// envView is where app stands in e.
func (p *Pipeline) envView(ctx context.Context, e *Env, app string) (EnvView, error) {
	v := EnvView{Env: e.Name, Declared: e.Declared, Verified: "none"}
	w, err := p.store.waiting(e.Name, app)
	if err != nil {
		return v, err
	}
	v.Waiting = w
	live, ok, err := e.Engine.LiveRevision(app)
	if err != nil {
		return v, err
	}
	st, err := e.Engine.Status(ctx, app)
	if err != nil && !errors.Is(err, deploy.ErrAppUnknown) {
		return v, err
	}
	v.Rollout = st.Rollout
	if ok {
		v.Revision, v.Since, v.Promotion = live.Number, live.Finished, live.Promotion
		for _, svc := range slices.Sorted(maps.Keys(live.Services)) {
			pl := live.Services[svc]
			v.Images = append(v.Images, ImageView{Service: svc, Ref: pl.Ref, Digest: pl.Digest})
		}
		v.Health = unhealthy(st)
		v.Healthy = v.Health == ""
		history, err := e.Engine.History(app, 1000)
		if err != nil {
			return v, err
		}
		v.Verified = verification(live, history)
	}
	v.Next = p.next(ctx, e, app, v)
	return v, nil
}

// next says what the environment's rule does next for app.
func (p *Pipeline) next(ctx context.Context, e *Env, app string, v EnvView) string {
	switch {
	case !e.Declared:
		return "not declared in berth.yaml: nothing is deployed or promoted here"
	case v.Waiting != nil:
		return fmt.Sprintf("revision %d of %s waits for approval: berth approve %s --env %s", v.Waiting.Revision, v.Waiting.From, app, e.Name)
	}
	from, err := p.source(e, "")
	if err != nil {
		return ""
	}
	src, ok, err := from.Engine.LiveRevision(app)
	if err != nil || !ok {
		return ""
	}
	if cur, ok, _ := e.Engine.LiveRevision(app); ok && sameImages(cur, src) {
		return fmt.Sprintf("runs what %s runs", from.Name)
	}
	if e.Rule == nil || !e.Rule.Auto {
		return fmt.Sprintf("revision %d of %s can be promoted: berth promote %s --to %s", src.Number, from.Name, app, e.Name)
	}
	mark, _ := p.store.autoMark(e.Name, app)
	if mark.From == from.Name && mark.Revision == src.Number {
		return fmt.Sprintf("revision %d of %s was not promoted automatically (see berth promote %s --to %s for why)", src.Number, from.Name, app, e.Name)
	}
	if at := src.Finished.Add(e.Rule.After); p.now().Before(at) {
		return fmt.Sprintf("revision %d of %s promotes at %s", src.Number, from.Name, at.Local().Format(time.TimeOnly))
	}
	verb := "promotes"
	if e.Rule.Approval == config.ApprovalManual {
		verb = "asks for approval"
	}
	return fmt.Sprintf("revision %d of %s %s once healthy", src.Number, from.Name, verb)
}
