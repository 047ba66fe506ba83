package gitops

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gitsource"
)

// actor is who the engine's revisions of a source name.
func actor(source string) string { return "git:" + source }

// short is a commit's short hash.
func short(hash string) string { return hash[:min(len(hash), 7)] }

// pass fetches the source, writes what must go to git (rollbacks, image
// updates), applies the tip and prunes what left it. It returns the
// apps whose rollout it started.
func (s *source) pass(ctx context.Context) ([]string, error) {
	if s.isSuspended("") {
		s.setConds(false, "Suspended", "the source is suspended; berth source resume "+s.cfg.Name+" applies it again", false, "")
		return nil, nil
	}
	s.reconciling("fetching " + s.branch())
	repo, err := s.open(ctx)
	if err != nil {
		return nil, s.failed("FetchFailed", err)
	}
	tip, err := repo.Fetch(ctx)
	if err != nil {
		return nil, s.failed("FetchFailed", err)
	}
	s.mu.Lock()
	s.view.fetched = tip.Hash
	s.mu.Unlock()
	if c, err := s.writeRestores(ctx, repo); err != nil {
		return nil, s.failed("PushFailed", err)
	} else if c != "" {
		tip.Hash = c
	}
	v, err := s.read(ctx, repo, tip.Hash)
	if err != nil {
		return nil, s.failed("ReadFailed", err)
	}
	if c, err := s.automate(ctx, repo, v); err != nil {
		return nil, s.failed("PushFailed", err)
	} else if c != "" {
		tip.Hash = c
		if v, err = s.read(ctx, repo, tip.Hash); err != nil {
			return nil, s.failed("ReadFailed", err)
		}
	}
	s.mu.Lock()
	s.view.fetched = tip.Hash
	s.repos = v.repos
	s.mu.Unlock()
	apps := map[string]api.SourceApp{}
	started, applyErr := s.apply(ctx, v, tip.Hash, apps)
	pruneErr := s.prune(ctx, v, apps)
	if ctx.Err() != nil {
		return started, ctx.Err() // stopping: the status stays as it was
	}
	return started, s.settle(tip.Hash, v, apps, errors.Join(applyErr, pruneErr))
}

// failed records a pass that could not read or write the source,
// unless it ends because the source stops.
func (s *source) failed(reason string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	stalled := errors.Is(err, gitsource.ErrAuth) || errors.Is(err, gitsource.ErrBranchUnknown)
	s.mu.Lock()
	s.view.lastErr = err.Error()
	s.view.lastSync = time.Now()
	s.mu.Unlock()
	why := "AuthFailed"
	if errors.Is(err, gitsource.ErrBranchUnknown) {
		why = "BranchUnknown"
	}
	s.setConds(false, reason, err.Error(), stalled, why)
	return err
}

// settle records the end of a pass that read the commit.
func (s *source) settle(hash string, v *commitView, apps map[string]api.SourceApp, err error) error {
	if len(v.broken) > 0 {
		// A broken file names no app: the one it held last is shown.
		byFile := s.appsByFile()
		for file, why := range v.broken {
			name := byFile[file]
			apps[keyOf(name, file)] = api.SourceApp{App: name, File: file, Stalled: why}
		}
	}
	var stalled []string
	for _, a := range apps {
		if a.Stalled != "" {
			stalled = append(stalled, a.Stalled)
		}
	}
	slices.Sort(stalled)
	s.mu.Lock()
	s.view.apps = apps
	s.view.notes = v.notes
	s.view.lastSync = time.Now()
	if err != nil {
		s.view.lastErr = err.Error()
	} else {
		s.view.lastErr = ""
	}
	if len(stalled) == 0 && err == nil {
		s.view.applied = hash
	}
	s.mu.Unlock()
	switch {
	case len(stalled) > 0:
		s.setConds(false, "SpecInvalid", fmt.Sprintf("%d of %d apps do not apply at %s: %s",
			len(stalled), len(apps), short(hash), strings.Join(stalled, "; ")), true, "SpecInvalid")
	case err != nil:
		s.setConds(false, "ApplyFailed", err.Error(), false, "")
	default:
		s.setConds(true, "Applied", fmt.Sprintf("applied commit %s: %d apps", short(hash), len(apps)), false, "")
	}
	return err
}

func keyOf(app, file string) string {
	if app == "" {
		return "file:" + file
	}
	return app
}

// appsByFile names the app the source last applied from each file.
func (s *source) appsByFile() map[string]string {
	out := map[string]string{}
	all, err := s.c.st.apps()
	if err != nil {
		return out
	}
	for name, a := range all {
		if a.Source == s.cfg.Name {
			out[a.File] = name
		}
	}
	return out
}

// apply deploys every app of v that differs from what runs.
func (s *source) apply(ctx context.Context, v *commitView, hash string, out map[string]api.SourceApp) ([]string, error) {
	var started []string
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(v.apps)) {
		d := v.apps[name]
		row := api.SourceApp{App: name, File: d.file}
		ok, err := s.applyApp(ctx, d, hash, &row)
		if ok {
			started = append(started, name)
		}
		if err != nil {
			errs = append(errs, err)
		}
		out[name] = row
	}
	return started, errors.Join(errs...)
}

// applyApp deploys d if it differs from what runs, filling in row; it
// reports whether a rollout started.
func (s *source) applyApp(ctx context.Context, d *desired, hash string, row *api.SourceApp) (bool, error) {
	s.c.appMu.Lock()
	defer s.c.appMu.Unlock()
	st := s.c.st
	a, err := st.app(d.name)
	if err != nil {
		return false, err
	}
	if a != nil && a.Source != s.cfg.Name && !s.c.has(a.Source) {
		s.c.log.Info("taking over an app of a source that is gone", "source", s.cfg.Name, "app", d.name, "from", a.Source)
		a.Source = s.cfg.Name
	}
	if a != nil && a.Source != s.cfg.Name {
		row.Stalled = fmt.Sprintf("%s: app %s is applied from source %s already; one source holds an app", d.file, d.name, a.Source)
		return false, nil
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
		return false, st.putApp(d.name, a)
	}
	if s.isSuspended(d.name) {
		return false, nil
	}
	if r, err := get[restore](st, bucketRestores, d.name); err != nil || r != nil {
		if err == nil {
			row.Stalled = fmt.Sprintf("%s: the rollback to revision %d is not written to git yet", d.file, r.To)
		}
		return false, err
	}
	live, err := s.c.engine.Status(ctx, d.name)
	switch {
	case errors.Is(err, deploy.ErrAppUnknown):
	case err != nil:
		return false, err
	case live.Rollout != nil:
		// Its end starts another pass.
		return false, nil
	}
	s.settleAttempt(a, live.Live)
	digests := d.digests()
	if f := a.Failed; f != nil && f.Inputs == d.inputs && maps.Equal(f.Digests, digests) {
		row.Stalled = fmt.Sprintf("%s: revision %d from commit %s failed and was rolled back (%s); it applies again once git changes",
			d.file, f.Revision, short(f.Commit), a.FailReason)
		return false, st.putApp(d.name, a)
	}
	if p := a.Applied; p != nil && p.Revision == live.Live && maps.Equal(p.Digests, digests) {
		if p.Inputs == "" {
			// Written to git by a rollback: what runs is what it says.
			p.Inputs, p.Commit = d.inputs, hash
		}
		if p.Inputs == d.inputs {
			p.Commit = hash
			row.Commit = hash
			return false, st.putApp(d.name, a)
		}
	}
	if a.Applied != nil && a.Applied.Revision != live.Live && live.Live != 0 {
		s.c.log.Info("an app of git differs from git; git wins", "source", s.cfg.Name, "app", d.name,
			"applied", a.Applied.Revision, "live", live.Live)
	}
	attempt := &applied{Commit: hash, Inputs: d.inputs, Digests: digests}
	a.Attempt = attempt
	if err := st.putApp(d.name, a); err != nil {
		return false, err
	}
	rev, err := s.c.engine.Deploy(ctx, deploy.Request{
		File: d.file, Dir: d.in.Dir, Spec: d.in.Data, Env: d.in.Env, Files: d.in.Files,
		Actor: actor(s.cfg.Name), Source: s.cfg.Name + "@" + short(hash),
	})
	switch {
	case errors.Is(err, deploy.ErrBusy):
		return false, nil
	case errors.Is(err, deploy.ErrSpec):
		row.Stalled = strings.TrimPrefix(err.Error(), deploy.ErrSpec.Error()+": ")
		a.Attempt = nil
		return false, st.putApp(d.name, a)
	case err != nil:
		a.Attempt = nil
		_ = st.putApp(d.name, a)
		return false, fmt.Errorf("deploying %s from %s: %w", d.name, d.file, err)
	}
	attempt.Revision = rev.Number
	row.Revision, row.Commit = rev.Number, hash
	s.c.log.Info("applying an app from git", "source", s.cfg.Name, "app", d.name, "commit", short(hash), "revision", rev.Number)
	return true, st.putApp(d.name, a)
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
	for _, name := range slices.Sorted(maps.Keys(all)) {
		a := all[name]
		if a.Source != s.cfg.Name {
			continue
		}
		if _, ok := v.apps[name]; ok {
			continue
		}
		if _, broken := v.broken[a.File]; broken {
			continue // it stays as it runs until its file reads again
		}
		if !s.cfg.Prune || s.isSuspended(name) {
			out[name] = api.SourceApp{App: name, File: a.File, Stalled: fmt.Sprintf("%s is gone from git; the source does not prune, so it keeps running", a.File)}
			continue
		}
		if _, err := s.c.engine.Remove(ctx, name, deploy.RemoveOptions{}); err != nil && !errors.Is(err, deploy.ErrAppUnknown) {
			if errors.Is(err, deploy.ErrBusy) {
				continue
			}
			errs = append(errs, fmt.Errorf("removing %s, gone from git: %w", name, err))
			continue
		}
		s.c.log.Info("removed an app gone from git", "source", s.cfg.Name, "app", name, "file", a.File)
		s.c.appMu.Lock()
		err := s.c.st.forget(name)
		s.c.appMu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
