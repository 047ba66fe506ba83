package gitops

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
)

// apply deploys every app of v that differs from what runs, and returns
// the revisions it started.
func (s *source) apply(ctx context.Context, v *commitView, hash string, out map[string]api.SourceApp) (map[appID]deploy.Revision, error) {
	started := map[appID]deploy.Revision{}
	var errs []error
	for _, id := range slices.SortedFunc(maps.Keys(v.apps), compareIDs) {
		d := v.apps[id]
		row := api.SourceApp{App: id.name, Env: id.env, File: d.file}
		rev, ok, err := s.applyApp(ctx, d, hash, &row)
		if ok {
			started[id] = rev
		}
		if err != nil {
			errs = append(errs, err)
		}
		out[keyOf(id, d.file)] = row
	}
	return started, errors.Join(errs...)
}

// applyApp deploys d if it differs from what runs, filling in row; it
// returns the revision it started, if it did.
func (s *source) applyApp(ctx context.Context, d *desired, hash string, row *api.SourceApp) (deploy.Revision, bool, error) {
	s.c.appMu.Lock()
	defer s.c.appMu.Unlock()
	st := s.c.st
	id := d.id()
	key, label := id.key(), s.c.label(id)
	a, err := st.app(key)
	if err != nil {
		return deploy.Revision{}, false, err
	}
	if a != nil && a.Source != s.cfg.Name && !s.c.has(a.Source) {
		s.c.log.Info("taking over an app of a source that is gone", "source", s.cfg.Name, "app", d.name, "env", d.env, "from", a.Source)
		a.Source = s.cfg.Name
	}
	if a != nil && a.Source != s.cfg.Name {
		row.Stalled = fmt.Sprintf("%s: app %s is applied from source %s already; one source holds an app", d.file, label, a.Source)
		return deploy.Revision{}, false, nil
	}
	eng, err := s.c.engine(d.env)
	if err != nil {
		row.Stalled = fmt.Sprintf("%s: %v", d.file, err)
		return deploy.Revision{}, false, nil
	}
	if a == nil {
		a = &appState{Source: s.cfg.Name, File: d.file}
	}
	a.File = d.file
	if a.Applied != nil {
		row.Commit, row.Revision = a.Applied.Commit, a.Applied.Revision
	}
	if d.problem != "" {
		row.Stalled = d.problem
		return deploy.Revision{}, false, st.putApp(key, a)
	}
	if s.isSuspended(key) {
		return deploy.Revision{}, false, nil
	}
	if r, err := get[restore](st, bucketRestores, key); err != nil || r != nil {
		if err == nil {
			row.Stalled = fmt.Sprintf("%s: the rollback to revision %d is not written to git yet", d.file, r.To)
		}
		return deploy.Revision{}, false, err
	}
	live, err := eng.Status(ctx, d.name)
	switch {
	case errors.Is(err, deploy.ErrAppUnknown):
	case err != nil:
		return deploy.Revision{}, false, err
	case live.Rollout != nil:
		// Its end starts another pass.
		return deploy.Revision{}, false, nil
	}
	s.settleAttempt(a, live.Live)
	digests := d.digests()
	by := a.promotion(digests)
	if f := a.Failed; f != nil && f.Inputs == d.inputs && maps.Equal(f.Digests, digests) {
		row.Stalled = fmt.Sprintf("%s: revision %d from commit %s failed and was rolled back (%s); it applies again once git changes",
			d.file, f.Revision, short(f.Commit), a.FailReason)
		return deploy.Revision{}, false, st.putApp(key, a)
	}
	if p := a.Applied; p != nil && p.Revision == live.Live && maps.Equal(p.Digests, digests) {
		if p.Inputs == "" {
			// Written to git by a rollback: what runs is what it says.
			p.Inputs, p.Commit = d.inputs, hash
		}
		if p.Inputs == d.inputs {
			p.Commit = hash
			row.Commit = hash
			a.Promoted = nil // it runs already
			return deploy.Revision{}, false, st.putApp(key, a)
		}
	}
	if a.Applied != nil && a.Applied.Revision != live.Live && live.Live != 0 {
		s.c.log.Info("an app of git differs from git; git wins", "source", s.cfg.Name, "app", d.name, "env", d.env,
			"applied", a.Applied.Revision, "live", live.Live)
	}
	attempt := &applied{Commit: hash, Inputs: d.inputs, Digests: digests}
	a.Attempt = attempt
	if err := st.putApp(key, a); err != nil {
		return deploy.Revision{}, false, err
	}
	rev, err := eng.Deploy(ctx, deploy.Request{
		File: d.file, Dir: d.in.Dir, Spec: d.in.Data, Env: d.in.Env, Files: d.in.Files,
		Actor: actor(s.cfg.Name), Source: s.cfg.Name + "@" + short(hash), Promotion: by,
	})
	switch {
	case errors.Is(err, deploy.ErrBusy):
		return deploy.Revision{}, false, nil
	case errors.Is(err, deploy.ErrSpec):
		row.Stalled = strings.TrimPrefix(err.Error(), deploy.ErrSpec.Error()+": ")
		a.Attempt = nil
		return deploy.Revision{}, false, st.putApp(key, a)
	case err != nil:
		a.Attempt = nil
		_ = st.putApp(key, a)
		return deploy.Revision{}, false, fmt.Errorf("deploying %s from %s: %w", label, d.file, err)
	}
	attempt.Revision = rev.Number
	a.Promoted = nil // the revision says it now
	row.Revision, row.Commit = rev.Number, hash
	s.c.log.Info("applying an app from git", "source", s.cfg.Name, "app", d.name, "env", d.env, "commit", short(hash), "revision", rev.Number)
	return rev, true, st.putApp(key, a)
}

// settleAttempt files the last attempt once its rollout is over, for
// when its end was not heard (berth stopped meanwhile): live, it is
// applied; otherwise it is dropped, to be tried again.
func (s *source) settleAttempt(a *appState, live int) {
	if a.Attempt == nil || a.Attempt.Revision == 0 && live == 0 {
		return
	}
	if a.Attempt.Revision != 0 && a.Attempt.Revision == live {
		a.Applied, a.Failed = a.Attempt, nil
	}
	a.Attempt = nil
}

// prune removes the apps the source applied whose file is gone, or no
// longer names them, when the source prunes.
func (s *source) prune(ctx context.Context, v *commitView, out map[string]api.SourceApp) error {
	all, err := s.c.st.apps()
	if err != nil {
		return err
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(all)) {
		a := all[key]
		id := parseKey(key)
		if a.Source != s.cfg.Name {
			continue
		}
		if _, ok := v.apps[id]; ok {
			continue
		}
		if _, broken := v.broken[a.File]; broken {
			continue // it stays as it runs until its file reads again
		}
		row := api.SourceApp{App: id.name, Env: id.env, File: a.File}
		if !s.cfg.Prune || s.isSuspended(key) {
			row.Stalled = fmt.Sprintf("%s is gone from git; the source does not prune, so it keeps running", a.File)
			out[keyOf(id, a.File)] = row
			continue
		}
		eng, err := s.c.engine(id.env)
		if err != nil {
			row.Stalled = fmt.Sprintf("%s is gone from git, and it cannot be removed: %v", a.File, err)
			out[keyOf(id, a.File)] = row
			continue
		}
		if _, err := eng.Remove(ctx, id.name, deploy.RemoveOptions{}); err != nil && !errors.Is(err, deploy.ErrAppUnknown) {
			if errors.Is(err, deploy.ErrBusy) {
				continue
			}
			errs = append(errs, fmt.Errorf("removing %s, gone from git: %w", s.c.label(id), err))
			continue
		}
		s.c.log.Info("removed an app gone from git", "source", s.cfg.Name, "app", id.name, "env", id.env, "file", a.File)
		s.c.appMu.Lock()
		err = s.c.st.forget(key)
		s.c.appMu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
