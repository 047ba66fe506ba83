package gitops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/gitsource"
)

// actor is who the engine's revisions of a source name.
func actor(source string) string { return "git:" + source }

// short is a commit's short hash.
func short(hash string) string { return hash[:min(len(hash), 7)] }

// pass fetches the source, writes what must go to git (rollbacks,
// promotions, image updates), applies the tip and prunes what left it.
// Every promotion of promos is answered by the time it returns.
func (s *source) pass(ctx context.Context, promos []*promotion) (err error) {
	defer func() { answerAll(promos, err) }()
	if s.isSuspended("") {
		s.setConds(false, "Suspended", "the source is suspended; berth source resume "+s.cfg.Name+" applies it again", false, "")
		return nil
	}
	s.reconciling("fetching " + s.branch())
	repo, err := s.open(ctx)
	if err != nil {
		return s.failed("FetchFailed", err)
	}
	tip, err := repo.Fetch(ctx)
	if err != nil {
		return s.failed("FetchFailed", err)
	}
	s.mu.Lock()
	s.view.fetched = tip.Hash
	s.mu.Unlock()
	if c, err := s.writeRestores(ctx, repo); err != nil {
		return s.failed("PushFailed", err)
	} else if c != "" {
		tip.Hash = c
	}
	if c := s.writePromotions(ctx, repo, promos); c != "" {
		tip.Hash = c
	}
	v, err := s.read(ctx, repo, tip.Hash)
	if err != nil {
		return s.failed("ReadFailed", err)
	}
	if c, err := s.automate(ctx, repo, v); err != nil {
		return s.failed("PushFailed", err)
	} else if c != "" {
		tip.Hash = c
		if v, err = s.read(ctx, repo, tip.Hash); err != nil {
			return s.failed("ReadFailed", err)
		}
	}
	s.mu.Lock()
	s.view.fetched = tip.Hash
	s.repos = v.repos
	s.mu.Unlock()
	apps := map[string]api.SourceApp{}
	started, applyErr := s.apply(ctx, v, tip.Hash, apps)
	answerPromotions(promos, started, apps, applyErr)
	pruneErr := s.prune(ctx, v, apps)
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the status stays as it was
	}
	return s.settle(tip.Hash, v, apps, errors.Join(applyErr, pruneErr))
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
			id, ok := byFile[file]
			if !ok {
				id.env = s.envOf(file)
			}
			apps[keyOf(id, file)] = api.SourceApp{App: id.name, Env: id.env, File: file, Stalled: why}
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

// keyOf is the key of an app's row in the status: its environment and
// name, or its file for a file that names none.
func keyOf(id appID, file string) string {
	if id.name == "" {
		return "file:" + file
	}
	return id.String()
}

// appsByFile names the app the source last applied from each file.
func (s *source) appsByFile() map[string]appID {
	out := map[string]appID{}
	all, err := s.c.st.apps()
	if err != nil {
		return out
	}
	for key, a := range all {
		if a.Source == s.cfg.Name {
			out[a.File] = parseKey(key)
		}
	}
	return out
}
