package gitops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gitsource"
	"github.com/berth-dev/berth/internal/pipeline"
	"github.com/berth-dev/berth/internal/spec"
)

// promotion is a promotion into an app of a source, waiting for the
// source's worker to write it to git and apply it.
type promotion struct {
	id      appID
	images  map[string]string // service -> repository:tag@digest
	message string
	by      deploy.Promotion
	// written is the commit, once pushed.
	written string
	// done takes the first answer; it has room for it.
	done chan promotionResult
}

type promotionResult struct {
	rev deploy.Revision
	err error
}

// answer answers p once; later answers are dropped.
func (p *promotion) answer(rev deploy.Revision, err error) {
	select {
	case p.done <- promotionResult{rev: rev, err: err}:
	default:
	}
}

// Promote writes images (service -> repository:tag@digest) into the
// file of app in env of source, commits them with message, authored as
// the source's commits are, pushes, and applies that commit at once. It
// returns the revision that rollout started, which records by. A
// service the file does not have is left out: the target's own file
// says which services run there.
func (c *Controller) Promote(ctx context.Context, source, env, app string, images map[string]string, message string, by deploy.Promotion) (deploy.Revision, error) {
	s, err := c.source(source)
	if err != nil {
		return deploy.Revision{}, err
	}
	id := c.idOf(env, app)
	a, err := c.st.app(id.key())
	if err != nil {
		return deploy.Revision{}, err
	}
	if a == nil || a.Source != source {
		return deploy.Revision{}, fmt.Errorf("%w: source %s holds no app %s", api.ErrSourceAppUnknown, source, c.label(id))
	}
	if s.isSuspended(id.key()) {
		return deploy.Revision{}, fmt.Errorf("%w: source %s is suspended for %s; berth source resume %s applies it again",
			pipeline.ErrRefused, source, c.label(id), source)
	}
	if len(images) == 0 {
		return deploy.Revision{}, fmt.Errorf("%w: no image to promote into %s", pipeline.ErrRefused, c.label(id))
	}
	p := &promotion{id: id, images: images, message: message, by: by, done: make(chan promotionResult, 1)}
	s.mu.Lock()
	s.promos = append(s.promos, p)
	s.mu.Unlock()
	s.kick()
	select {
	case r := <-p.done:
		return r.rev, r.err
	case <-ctx.Done():
		s.mu.Lock()
		queued := slices.Contains(s.promos, p)
		s.promos = slices.DeleteFunc(s.promos, func(q *promotion) bool { return q == p })
		s.mu.Unlock()
		if queued {
			return deploy.Revision{}, fmt.Errorf("waiting for source %s to take the promotion: %w", source, ctx.Err())
		}
		return deploy.Revision{}, fmt.Errorf("waiting for source %s to apply the promotion, which goes on: %w", source, ctx.Err())
	case <-s.done:
		return deploy.Revision{}, fmt.Errorf("source %s stopped before it applied the promotion", source)
	}
}

// ForPipeline is the controller as the pipeline uses it, to promote
// into the apps git manages.
func (c *Controller) ForPipeline() pipeline.Git { return pipelineGit{c} }

type pipelineGit struct{ *Controller }

// ManagedBy names the source that holds app in env, suspended or not:
// a promotion into it goes through that source.
func (g pipelineGit) ManagedBy(env, app string) string {
	src, _ := g.Controller.ManagedBy(env, app)
	return src
}

// writePromotions writes each promotion of promos to git, one commit
// each, and returns the last commit ("" for none). One that cannot be
// written is answered with why.
func (s *source) writePromotions(ctx context.Context, repo *gitsource.Repo, promos []*promotion) string {
	last := ""
	for _, p := range promos {
		hash, err := s.writePromotion(ctx, repo, p)
		if err != nil {
			p.answer(deploy.Revision{}, err)
			continue
		}
		p.written, last = hash, hash
	}
	return last
}

// writePromotion commits and pushes p's images to its app's file, and
// records the promotion for the rollout that applies it.
func (s *source) writePromotion(ctx context.Context, repo *gitsource.Repo, p *promotion) (string, error) {
	key, label := p.id.key(), s.c.label(p.id)
	a, err := s.c.st.app(key)
	if err != nil {
		return "", err
	}
	if a == nil || a.Source != s.cfg.Name {
		return "", fmt.Errorf("%w: source %s holds no app %s", api.ErrSourceAppUnknown, s.cfg.Name, label)
	}
	file := a.File
	var written []string // the services of the file, as last edited
	c, err := repo.Update(ctx, gitsource.Change{
		Message: p.message,
		Author:  s.author(),
		Edit: func(read func(string) ([]byte, error)) (map[string][]byte, error) {
			data, err := read(file)
			if err != nil {
				return nil, err
			}
			next, services, err := setImages(data, p.images)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if bytes.Equal(next, data) {
				return nil, fmt.Errorf("%w: %s already names these images: %s", pipeline.ErrRefused, file, imageList(p.images))
			}
			written = services
			return map[string][]byte{file: next}, nil
		},
	})
	if err != nil {
		return "", fmt.Errorf("writing the promotion of %s to git: %w", label, err)
	}
	s.c.log.Info("promotion written to git", "source", s.cfg.Name, "app", p.id.name, "env", p.id.env,
		"from", p.by.From, "revision", p.by.Revision, "commit", short(c.Hash))
	digests := map[string]string{}
	for _, svc := range written {
		if _, d, ok := strings.Cut(p.images[svc], "@"); ok {
			digests[svc] = d
		}
	}
	s.c.appMu.Lock()
	defer s.c.appMu.Unlock()
	if a, err = s.c.st.app(key); err != nil || a == nil {
		return c.Hash, err
	}
	a.Promoted = &promoted{Commit: c.Hash, By: p.by, Digests: digests}
	return c.Hash, s.c.st.putApp(key, a)
}

// setImages sets the image of each service of images that data has,
// and names those services.
func setImages(data []byte, images map[string]string) ([]byte, []string, error) {
	var top struct {
		Services map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &top); err != nil {
		return nil, nil, fmt.Errorf("reading its services: %w", err)
	}
	out := data
	var services []string
	for _, svc := range slices.Sorted(maps.Keys(images)) {
		if _, ok := top.Services[svc]; !ok {
			continue
		}
		var err error
		if out, err = spec.SetImage(out, svc, images[svc]); err != nil {
			return nil, nil, err
		}
		services = append(services, svc)
	}
	if len(services) == 0 {
		return nil, nil, fmt.Errorf("%w: it has none of the services promoted (%s)", pipeline.ErrRefused, strings.Join(slices.Sorted(maps.Keys(images)), ", "))
	}
	return out, services, nil
}

// imageList writes images as service=image, sorted.
func imageList(images map[string]string) string {
	var parts []string
	for _, svc := range slices.Sorted(maps.Keys(images)) {
		parts = append(parts, svc+"="+images[svc])
	}
	return strings.Join(parts, ", ")
}

// answerPromotions answers each promotion written with the rollout the
// pass started for its app, or with why none started.
func answerPromotions(promos []*promotion, started map[appID]deploy.Revision, rows map[string]api.SourceApp, applyErr error) {
	for _, p := range promos {
		if p.written == "" {
			continue
		}
		if rev, ok := started[p.id]; ok {
			p.answer(rev, nil)
			continue
		}
		why := rows[keyOf(p.id, "")].Stalled
		switch {
		case why != "":
		case applyErr != nil:
			why = applyErr.Error()
		default:
			why = "a rollout of it is under way or the source is suspended for it; the commit applies after"
		}
		p.answer(deploy.Revision{}, fmt.Errorf("the promotion is commit %s, and its rollout did not start: %s", short(p.written), why))
	}
}

// answerAll answers the promotions a pass did not answer: it ended
// before it applied them, with err or stopping.
func answerAll(promos []*promotion, err error) {
	if err == nil {
		err = errors.New("the source did not apply it")
	}
	for _, p := range promos {
		if p.written != "" {
			p.answer(deploy.Revision{}, fmt.Errorf("the promotion is commit %s, and applying it failed: %w", short(p.written), err))
			continue
		}
		p.answer(deploy.Revision{}, err)
	}
}
