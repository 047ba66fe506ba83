package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
)

// Request asks for a promotion.
type Request struct {
	App string `json:"app"`
	// To is the environment to roll out in; From the one to take the
	// digests from: the rule's, else the environment before To.
	To   string `json:"to"`
	From string `json:"from,omitempty"`
	// Revision, when set, is the source revision meant: the promotion
	// is refused unless that is what runs there now.
	Revision int    `json:"revision,omitempty"`
	Actor    string `json:"-"`
}

// Result is what a promotion did: a rollout started, with the commit it
// was written to git as, or a wait for approval.
type Result struct {
	Revision *deploy.Revision `json:"revision,omitempty"`
	// Source is the git source the promotion was committed to.
	Source  string   `json:"source,omitempty"`
	Waiting *Waiting `json:"waiting,omitempty"`
}

// candidate is a source revision on its way to a target environment.
type candidate struct {
	app      string
	from, to *Env
	rev      deploy.Revision
	// history is the app's revisions in the source, newest first.
	history []deploy.Revision
}

// Promote takes the digests of the app's live revision in the source
// environment to the target. When the target's rule asks for approval
// the promotion waits (Result.Waiting) for Approve.
func (p *Pipeline) Promote(ctx context.Context, req Request) (Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.candidate(ctx, req)
	if err != nil {
		return Result{}, err
	}
	if rule := c.to.Rule; rule != nil && rule.Approval == config.ApprovalManual {
		w := &Waiting{App: c.app, Env: c.to.Name, From: c.from.Name, Revision: c.rev.Number,
			Images: imagesOf(c.rev), By: req.Actor, Since: p.now()}
		if err := p.store.setWaiting(c.to.Name, c.app, w); err != nil {
			return Result{}, err
		}
		p.log.Info("promotion waits for approval", "app", c.app, "env", c.to.Name, "from", c.from.Name, "revision", c.rev.Number, "by", req.Actor)
		return Result{Waiting: w}, nil
	}
	return p.roll(ctx, c, req.Actor, "")
}

// Approve releases the promotion waiting for approval into env: it
// rolls out, with the approver recorded, if its source revision still
// runs and still passes the rule.
func (p *Pipeline) Approve(ctx context.Context, app, env, actor string) (Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	to, err := p.Env(env)
	if err != nil {
		return Result{}, err
	}
	w, err := p.store.waiting(to.Name, app)
	if err != nil {
		return Result{}, err
	}
	if w == nil {
		return Result{}, fmt.Errorf("%w: nothing waits to be promoted into %s/%s; berth pipeline %s shows where it stands", ErrNothingWaiting, to.Name, app, app)
	}
	c, err := p.candidate(ctx, Request{App: app, To: to.Name, From: w.From, Revision: w.Revision, Actor: actor})
	if err != nil {
		return Result{}, fmt.Errorf("the promotion of revision %d of %s/%s waiting for approval: %w", w.Revision, w.From, app, err)
	}
	if err := p.store.setWaiting(to.Name, app, nil); err != nil {
		return Result{}, err
	}
	p.log.Info("promotion approved", "app", app, "env", to.Name, "from", w.From, "revision", w.Revision, "approver", actor)
	return p.roll(ctx, c, actor, actor)
}

// candidate finds and checks what req would promote.
func (p *Pipeline) candidate(ctx context.Context, req Request) (*candidate, error) {
	to, err := p.Env(req.To)
	if err != nil {
		return nil, err
	}
	if req.To == "" {
		return nil, fmt.Errorf("%w: say which environment to promote to (--to)", ErrRefused)
	}
	if !to.Declared {
		return nil, fmt.Errorf("%w: environment %s is no longer declared in berth.yaml", ErrRefused, to.Name)
	}
	from, err := p.source(to, req.From)
	if err != nil {
		return nil, err
	}
	c := &candidate{app: req.App, from: from, to: to}
	c.history, err = from.Engine.History(req.App, 1000)
	if errors.Is(err, deploy.ErrAppUnknown) {
		return nil, fmt.Errorf("%w: app %s does not run in %s: deploy it there first (berth deploy --env %s)", ErrRefused, req.App, from.Name, from.Name)
	}
	if err != nil {
		return nil, err
	}
	live, ok, err := from.Engine.LiveRevision(req.App)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s/%s has no live revision: no rollout of it succeeded yet", ErrRefused, from.Name, req.App)
	}
	if req.Revision != 0 && req.Revision != live.Number {
		return nil, p.notLive(from, req.App, req.Revision, live.Number, c.history)
	}
	c.rev = live
	if err := c.notRolledBack(); err != nil {
		return nil, err
	}
	if err := p.passes(ctx, c); err != nil {
		return nil, err
	}
	if cur, ok, err := to.Engine.LiveRevision(req.App); err != nil {
		return nil, err
	} else if ok && sameImages(cur, live) {
		return nil, fmt.Errorf("%w: %s/%s already runs these digests (revision %d)", ErrRefused, to.Name, req.App, cur.Number)
	}
	return c, nil
}

// source returns the environment to promote into to from: named, else
// the rule's, else the one before to.
func (p *Pipeline) source(to *Env, name string) (*Env, error) {
	if name == "" && to.Rule != nil {
		name = to.Rule.From
	}
	if name == "" {
		prev := p.previous(to)
		if prev == nil {
			return nil, fmt.Errorf("%w: %s is the first environment: nothing comes before it to promote from", ErrRefused, to.Name)
		}
		return prev, nil
	}
	from, err := p.Env(name)
	if err != nil {
		return nil, err
	}
	if from == to {
		return nil, fmt.Errorf("%w: %s to itself", ErrRefused, to.Name)
	}
	if slices.Index(p.envs, from) > slices.Index(p.envs, to) {
		return nil, fmt.Errorf("%w: %s comes after %s: digests move forward through the environments", ErrRefused, from.Name, to.Name)
	}
	return from, nil
}

// notLive explains why revision n is not what would be promoted.
func (p *Pipeline) notLive(from *Env, app string, n, live int, history []deploy.Revision) error {
	for _, r := range history {
		if r.Number == n {
			return fmt.Errorf("%w: revision %d of %s/%s is %s, not live (revision %d is): only what runs is promoted", ErrRefused, n, from.Name, app, r.Outcome, live)
		}
	}
	return fmt.Errorf("%w: %s/%s has no revision %d (revision %d is live)", ErrRefused, from.Name, app, n, live)
}

// notRolledBack refuses a candidate that runs a digest that was rolled
// back in the source: one of a rollout that failed, or one a rollback
// took away.
func (c *candidate) notRolledBack() error {
	byNumber := map[int]deploy.Revision{}
	for _, r := range c.history {
		byNumber[r.Number] = r
	}
	for _, r := range c.history {
		var gone map[string]string // digest -> service
		switch {
		case r.Outcome == deploy.OutcomeRolledBack || r.Outcome == deploy.OutcomeFailed || r.Outcome == deploy.OutcomeAborted:
			// The digests it brought: one that ran before it stays clear
			// when only the service's configuration failed.
			gone = map[string]string{}
			for _, svc := range r.Changed {
				if d := r.Services[svc].Digest; byNumber[r.Replaced].Services[svc].Digest != d {
					gone[d] = svc
				}
			}
		case r.RollbackOf != 0 && r.Replaced != 0:
			gone = map[string]string{}
			for svc, pl := range byNumber[r.Replaced].Services {
				if r.Services[svc].Digest != pl.Digest {
					gone[pl.Digest] = svc
				}
			}
		}
		for svc, pl := range c.rev.Services {
			if _, bad := gone[pl.Digest]; bad && pl.Digest != "" {
				return fmt.Errorf("%w: %s of service %s was rolled back in %s (revision %d, %s): it is not promoted from there",
					ErrRefused, pl.Digest, svc, c.from.Name, r.Number, r.Outcome)
			}
		}
	}
	return nil
}

// passes checks what the target's rule requires of the source revision:
// every replica healthy and no rollout under way, and every
// verification job passed.
func (p *Pipeline) passes(ctx context.Context, c *candidate) error {
	require := []string{config.RequireHealthy, config.RequireVerified}
	if c.to.Rule != nil {
		require = c.to.Rule.Require
	}
	if slices.Contains(require, config.RequireHealthy) {
		st, err := c.from.Engine.Status(ctx, c.app)
		if err != nil {
			return err
		}
		if why := unhealthy(st); why != "" {
			return notYet{fmt.Errorf("%w: %s/%s is not healthy: %s", ErrRefused, c.from.Name, c.app, why)}
		}
	}
	if slices.Contains(require, config.RequireVerified) {
		if why := unverified(c.rev, c.history); why != "" {
			return fmt.Errorf("%w: revision %d of %s/%s did not pass verification: %s", ErrRefused, c.rev.Number, c.from.Name, c.app, why)
		}
	}
	return nil
}

// notYet marks a refusal that may pass by itself later: the source is
// not healthy yet.
type notYet struct{ error }

func (n notYet) Unwrap() error { return n.error }

// unhealthy says what keeps st from being healthy, "" when nothing does.
func unhealthy(st deploy.AppStatus) string {
	if st.Rollout != nil && !st.Rollout.Outcome.Done() {
		return fmt.Sprintf("revision %d is rolling out", st.Rollout.Revision)
	}
	var bad []string
	for _, s := range st.Services {
		if s.Job {
			continue
		}
		if s.Healthy < s.Replicas {
			bad = append(bad, fmt.Sprintf("%s has %d of %d replicas healthy", s.Name, s.Healthy, s.Replicas))
		}
	}
	return strings.Join(bad, ", ")
}

// roll rolls the candidate out in its target: through git when a
// source manages the app there, else by the target's engine. approver
// is who approved it, "" when nobody had to.
func (p *Pipeline) roll(ctx context.Context, c *candidate, actor, approver string) (Result, error) {
	by := deploy.Promotion{From: c.from.Name, Revision: c.rev.Number, Approver: approver}
	if g := p.git.Load(); g != nil {
		if src := (*g).ManagedBy(c.to.Name, c.app); src != "" {
			msg := fmt.Sprintf("Promote %s to %s: revision %d of %s\n\n%s", c.app, c.to.Name, c.rev.Number, c.from.Name, imageLines(c.rev))
			if approver != "" {
				msg += fmt.Sprintf("\nApproved-by: %s", approver)
			}
			rev, err := (*g).Promote(ctx, src, c.to.Name, c.app, imagesOf(c.rev), msg, by)
			if err != nil {
				return Result{}, fmt.Errorf("promoting %s to %s through git source %s: %w", c.app, c.to.Name, src, err)
			}
			return Result{Revision: &rev, Source: src}, nil
		}
	}
	base, ok, err := c.to.Engine.LiveRevision(c.app)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		base = c.rev // the first time: the source's spec
	}
	pinned := map[string]deploy.ServiceImage{}
	for svc, pl := range c.rev.Services {
		pinned[svc] = pl.ServiceImage
	}
	rev, err := c.to.Engine.Deploy(ctx, deploy.Request{
		File: base.File, Dir: base.Dir, Spec: base.Spec, Env: base.Env, Files: base.Files,
		Pinned: onlyServices(pinned, base), PinnedVerify: c.rev.VerifyImages, Actor: actor, Promotion: &by,
	})
	if err != nil {
		return Result{}, fmt.Errorf("rolling %s out in %s: %w", c.app, c.to.Name, err)
	}
	p.log.Info("promoted", "app", c.app, "env", c.to.Name, "from", c.from.Name, "revision", c.rev.Number, "to_revision", rev.Number, "by", actor)
	return Result{Revision: &rev}, nil
}

// onlyServices keeps the images of the services base's spec has: the
// target's own spec decides which services run there.
func onlyServices(images map[string]deploy.ServiceImage, base deploy.Revision) map[string]deploy.ServiceImage {
	out := map[string]deploy.ServiceImage{}
	for svc, img := range images {
		if _, ok := base.Services[svc]; ok || len(base.Services) == 0 {
			out[svc] = img
		}
	}
	return out
}

// imagesOf is a revision's images by service, each pinned: the
// reference as named, with its digest.
func imagesOf(rev deploy.Revision) map[string]string {
	out := map[string]string{}
	for svc, pl := range rev.Services {
		out[svc] = pinnedRef(pl.ServiceImage)
	}
	return out
}

// pinnedRef is repository:tag@digest for an image named by tag, the
// digest alone for one named by digest.
func pinnedRef(img deploy.ServiceImage) string {
	ref, _, _ := strings.Cut(img.Ref, "@")
	return ref + "@" + img.Digest
}

// imageLines lists a revision's images, one service a line, sorted.
func imageLines(rev deploy.Revision) string {
	images := imagesOf(rev)
	names := slices.Sorted(maps.Keys(images))
	var b strings.Builder
	for _, svc := range names {
		fmt.Fprintf(&b, "%s: %s\n", svc, images[svc])
	}
	return b.String()
}

// sameImages reports whether target runs source's digest for every
// service the two share (and they share one).
func sameImages(target, source deploy.Revision) bool {
	shared := 0
	for svc, ps := range source.Services {
		pt, ok := target.Services[svc]
		if !ok {
			continue
		}
		if pt.Digest != ps.Digest {
			return false
		}
		shared++
	}
	return shared > 0
}
