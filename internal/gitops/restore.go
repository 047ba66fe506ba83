package gitops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gitsource"
	"github.com/berth-dev/berth/internal/spec"
)

// OnEnd is the engine's deploy.Options.OnEnd: it learns how a rollout
// of an app from git ended, and keeps a rollback as a decision. A
// rollout from git that failed or was aborted is not tried again until
// git changes, its new images are rejected, and the images that run
// again are written back to git; a rollback by hand of an app from git
// is written back the same way. Anything else done by hand is left
// for the next pass to undo. ended.Environment says which engine's
// rollout it was. It only records and wakes the source's worker, which
// does the git work.
func (c *Controller) OnEnd(ended deploy.Revision, wasLive *deploy.Revision) {
	if err := c.onEnd(ended, wasLive); err != nil {
		c.log.Error("recording the end of a rollout for git sync", "app", ended.App, "env", ended.Environment, "revision", ended.Number, "err", err)
	}
}

func (c *Controller) onEnd(ended deploy.Revision, wasLive *deploy.Revision) error {
	c.appMu.Lock()
	defer c.appMu.Unlock()
	id := c.idOf(ended.Environment, ended.App)
	a, err := c.st.app(id.key())
	if err != nil || a == nil {
		return err
	}
	c.mu.Lock()
	s := c.sources[a.Source]
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	ours := ended.Actor == actor(a.Source)
	switch {
	case ours && a.Attempt != nil && (a.Attempt.Revision == ended.Number ||
		a.Attempt.Revision == 0 && ended.Source == a.Source+"@"+short(a.Attempt.Commit)):
		switch ended.Outcome {
		case deploy.OutcomeSucceeded:
			a.Applied, a.Attempt, a.Failed, a.FailReason = a.Attempt, nil, nil, ""
		case deploy.OutcomeRolledBack, deploy.OutcomeAborted, deploy.OutcomeFailed:
			a.Failed, a.Attempt, a.FailReason = a.Attempt, nil, reasonOf(ended)
			if wasLive != nil && ended.Outcome != deploy.OutcomeFailed {
				if err := c.rejectAndRestore(id, s.cfg.Name, ended, *wasLive, a.FailReason); err != nil {
					return err
				}
			}
		default:
			return nil
		}
	case !ours && ended.RollbackOf != 0 && ended.Outcome == deploy.OutcomeSucceeded && wasLive != nil && !s.isSuspended(id.key()):
		c.log.Info("a rollback by hand of an app from git: writing it to git", "app", id.name, "env", id.env,
			"revision", ended.Number, "from", wasLive.Number)
		reason := fmt.Sprintf("rolled back by %s from revision %d", ended.Actor, wasLive.Number)
		if err := c.rejectAndRestore(id, s.cfg.Name, *wasLive, ended, reason); err != nil {
			return err
		}
		a.Attempt = nil
	default:
		// By hand: git wins at the next pass.
		return nil
	}
	if err := c.st.putApp(id.key(), a); err != nil {
		return err
	}
	s.kick()
	return nil
}

func reasonOf(r deploy.Revision) string {
	if r.Reason != "" {
		return string(r.Outcome) + ": " + r.Reason
	}
	return string(r.Outcome)
}

// rejectAndRestore rejects the images of from that to does not run and
// queues writing to's images back to git.
func (c *Controller) rejectAndRestore(id appID, source string, from, to deploy.Revision, reason string) error {
	for svc, p := range from.Services {
		if q, ok := to.Services[svc]; ok && q.Digest == p.Digest {
			continue
		}
		if err := c.st.reject(id.key(), svc, p.Digest, rejection{Revision: from.Number, Reason: reason, At: time.Now()}); err != nil {
			return err
		}
	}
	return put(c.st, bucketRestores, id.key(), restore{Source: source, From: from.Number, To: to.Number, Reason: reason})
}

// writeRestores writes the rollbacks of the source's apps still to be
// written, one commit each, and returns the last commit ("" for none).
func (s *source) writeRestores(ctx context.Context, repo *gitsource.Repo) (string, error) {
	pending, err := all[restore](s.c.st, bucketRestores)
	if err != nil {
		return "", err
	}
	last := ""
	for _, key := range slices.Sorted(maps.Keys(pending)) {
		r := pending[key]
		if r.Source != s.cfg.Name {
			continue
		}
		c, err := s.writeRestore(ctx, repo, parseKey(key), r)
		if err != nil {
			return last, err
		}
		if c != "" {
			last = c
		}
	}
	return last, nil
}

// writeRestore writes one rollback: the file's images set to those of
// revision r.To, or, when the failure was not an image (the images are
// the same), the spec r.To was deployed from.
func (s *source) writeRestore(ctx context.Context, repo *gitsource.Repo, id appID, r restore) (string, error) {
	key, app := id.key(), s.c.label(id)
	a, err := s.c.st.app(key)
	if err != nil {
		return "", err
	}
	revs, err := s.revisions(id, r.From, r.To)
	if a == nil || err != nil {
		s.c.log.Warn("a rollback cannot be written to git: its revisions are gone", "app", id.name, "env", id.env, "err", err)
		return "", del(s.c.st, bucketRestores, key)
	}
	from, to := revs[r.From], revs[r.To]
	type change struct{ service, from, to string }
	var changes []change
	for _, svc := range slices.Sorted(maps.Keys(to.Services)) {
		p := to.Services[svc]
		if q, ok := from.Services[svc]; ok && q.Digest == p.Digest {
			continue
		}
		changes = append(changes, change{svc, imageOf(from.Services[svc].ServiceImage), imageOf(p.ServiceImage)})
	}
	// Only the images differ, or git still holds what failed: then the
	// file goes back as it was, which undoes the rest too.
	configChanged := len(to.Services) != len(from.Services)
	for svc, p := range to.Services {
		if q, ok := from.Services[svc]; !ok || q.Config != p.Config {
			configChanged = true
		}
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "Roll back %s to revision %d\n\n", app, r.To)
	fmt.Fprintf(&msg, "Revision %d was abandoned: %s.\n", r.From, r.Reason)
	for _, ch := range changes {
		fmt.Fprintf(&msg, "%s/%s: %s rejected, back to %s\n", app, ch.service, ch.from, ch.to)
	}
	msg.WriteString("\nWritten by berth: image automation does not propose the rejected images again.\n")
	c, err := repo.Update(ctx, gitsource.Change{
		Message: msg.String(),
		Author:  s.author(),
		Edit: func(read func(string) ([]byte, error)) (map[string][]byte, error) {
			data, err := read(a.File)
			if isNotExist(err) {
				return nil, nil // the file is gone: nothing to restore
			}
			if err != nil {
				return nil, err
			}
			if len(changes) == 0 || configChanged && bytes.Equal(data, from.Spec) {
				return map[string][]byte{a.File: to.Spec}, nil
			}
			if configChanged {
				s.c.log.Warn("a rollback is written to git as images only: the file changed since, so the rest of what failed stays",
					"app", id.name, "env", id.env, "file", a.File)
			}
			for _, ch := range changes {
				if data, err = spec.SetImage(data, ch.service, ch.to); err != nil {
					return nil, err
				}
			}
			return map[string][]byte{a.File: data}, nil
		},
	})
	switch {
	case errors.Is(err, gitsource.ErrNothingToCommit):
	case err != nil:
		var ee *spec.EditError
		if errors.As(err, &ee) || errors.Is(err, spec.ErrNotEditable) {
			s.c.log.Error("a rollback cannot be written to git; write it by hand", "app", id.name, "env", id.env, "file", a.File, "err", err)
			return "", del(s.c.st, bucketRestores, key)
		}
		return "", fmt.Errorf("writing the rollback of %s to git: %w", app, err)
	default:
		s.c.log.Info("rollback written to git", "source", s.cfg.Name, "app", id.name, "env", id.env, "revision", r.To, "commit", short(c.Hash))
	}
	// What runs is what git now says: adopt it without a rollout.
	digests := map[string]string{}
	for svc, p := range to.Services {
		digests[svc] = p.Digest
	}
	s.c.appMu.Lock()
	defer s.c.appMu.Unlock()
	if a, err = s.c.st.app(key); err != nil || a == nil {
		return "", errors.Join(err, del(s.c.st, bucketRestores, key))
	}
	a.Applied = &applied{Commit: c.Hash, Digests: digests, Revision: r.To}
	a.Attempt = nil
	if err := s.c.st.putApp(key, a); err != nil {
		return "", err
	}
	return c.Hash, del(s.c.st, bucketRestores, key)
}

// revisions reads revisions of an app from its engine, by number.
func (s *source) revisions(id appID, numbers ...int) (map[int]deploy.Revision, error) {
	eng, err := s.c.engine(id.env)
	if err != nil {
		return nil, err
	}
	revs, err := eng.History(id.name, 1000)
	if err != nil {
		return nil, err
	}
	out := map[int]deploy.Revision{}
	for _, r := range revs {
		if slices.Contains(numbers, r.Number) {
			out[r.Number] = r
		}
	}
	for _, n := range numbers {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("revision %d of %s is not in its history", n, s.c.label(id))
		}
	}
	return out, nil
}

// imageOf writes an image as repo:tag@digest.
func imageOf(img deploy.ServiceImage) string {
	repo, tag, _ := repoOf(img.Ref)
	if tag != "" {
		repo += ":" + tag
	}
	return repo + "@" + img.Digest
}
