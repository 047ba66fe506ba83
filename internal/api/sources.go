package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/berth-dev/berth/internal/githook"
)

// Sources is what the sources endpoints drive: berth's git sync.
type Sources interface {
	List() []SourceStatus
	Status(name string) (SourceStatus, error)
	Sync(ctx context.Context, name string) (SourceStatus, error)
	Suspend(name, app string) (SourceStatus, error)
	Resume(name, app string) (SourceStatus, error)
	// WebhookSecret is what a push webhook for the source is signed
	// with, nil when it takes none.
	WebhookSecret(name string) ([]byte, error)
	// Pushed says that branch of the source moved; it reports whether
	// that starts a sync (the source follows that branch).
	Pushed(name, branch string) (bool, error)
	// ManagedBy names the source that holds app in env and whether it
	// is suspended for it.
	ManagedBy(env, app string) (source string, suspended bool)
}

// Errors Sources returns that the API answers with 404.
var (
	ErrSourceUnknown    = errors.New("no such source")
	ErrSourceAppUnknown = errors.New("the source holds no such app")
)

// HookAnswer answers a push webhook.
type HookAnswer struct {
	Source string `json:"source"`
	Branch string `json:"branch,omitempty"`
	// Syncing says whether the push starts a sync: false for another
	// branch or an event that is not a push.
	Syncing bool   `json:"syncing"`
	Note    string `json:"note,omitempty"`
}

// HandleSources serves the sources endpoints (see sourcewire.go) and
// the push webhook POST /api/hooks/git/{name}, which is authenticated
// by its signature or token, not by an account: GitHub, GitLab,
// Gitea/Forgejo and a generic sender are told apart by their headers.
func (a *API) HandleSources(s Sources) {
	a.sources.Store(&s)
	a.handle("GET /api/sources", admin, func(r *http.Request) (any, error) {
		return s.List(), nil
	})
	a.handle("GET /api/sources/{name}", admin, func(r *http.Request) (any, error) {
		st, err := s.Status(r.PathValue("name"))
		return st, sourceStatus(err)
	})
	a.handle("POST /api/sources/{name}/sync", admin, func(r *http.Request) (any, error) {
		st, err := s.Sync(r.Context(), r.PathValue("name"))
		return st, sourceStatus(err)
	})
	a.handle("POST /api/sources/{name}/suspend", admin, func(r *http.Request) (any, error) {
		st, err := s.Suspend(r.PathValue("name"), r.URL.Query().Get("app"))
		return st, sourceStatus(err)
	})
	a.handle("POST /api/sources/{name}/resume", admin, func(r *http.Request) (any, error) {
		st, err := s.Resume(r.PathValue("name"), r.URL.Query().Get("app"))
		return st, sourceStatus(err)
	})
	a.mux.HandleFunc("POST /api/hooks/git/{name}", func(w http.ResponseWriter, r *http.Request) {
		v, err := a.hook(s, r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, v)
	})
}

// hook reads a push webhook for a source and starts its sync.
func (a *API) hook(s Sources, r *http.Request) (HookAnswer, error) {
	name := r.PathValue("name")
	secret, err := s.WebhookSecret(name)
	if err != nil {
		return HookAnswer{}, sourceStatus(err)
	}
	push, err := githook.Read(r, secret)
	switch {
	case errors.Is(err, githook.ErrNoSecret):
		return HookAnswer{}, statusError{http.StatusForbidden, fmt.Errorf("source %s: %w", name, err)}
	case errors.Is(err, githook.ErrUnsigned), errors.Is(err, githook.ErrSignature):
		a.log.Warn("a webhook for a source was refused", "source", name, "err", err)
		return HookAnswer{}, statusError{http.StatusUnauthorized, fmt.Errorf("source %s: %w", name, err)}
	case errors.Is(err, githook.ErrNotPush):
		return HookAnswer{Source: name, Note: err.Error() + "; nothing to do"}, nil
	case errors.Is(err, githook.ErrTooLarge):
		return HookAnswer{}, statusError{http.StatusRequestEntityTooLarge, err}
	case errors.Is(err, githook.ErrPayload):
		return HookAnswer{}, statusError{http.StatusBadRequest, err}
	case err != nil:
		return HookAnswer{}, err
	}
	syncing, err := s.Pushed(name, push.Branch)
	if err != nil {
		return HookAnswer{}, sourceStatus(err)
	}
	ans := HookAnswer{Source: name, Branch: push.Branch, Syncing: syncing}
	if !syncing {
		ans.Note = "the source follows another branch"
	}
	a.log.Info("push webhook", "source", name, "provider", push.Provider, "branch", push.Branch, "commit", push.Commit, "syncing", syncing)
	return ans, nil
}

// sourceStatus gives the errors of Sources their HTTP status.
func sourceStatus(err error) error {
	if errors.Is(err, ErrSourceUnknown) || errors.Is(err, ErrSourceAppUnknown) {
		return statusError{http.StatusNotFound, err}
	}
	return err
}
