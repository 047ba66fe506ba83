package api

import (
	"context"
	"net/http"

	"github.com/berth-dev/berth/internal/auth"
)

// Gate decides who may call an endpoint. Allow returns who is asking
// when they may do what scope says; a scope without actions asks only
// who it is. Its errors wrap auth.ErrUnauthorized (log in),
// auth.ErrDenied (the right is missing) or auth.ErrThrottled.
type Gate interface {
	Allow(r *http.Request, scope auth.Scope) (actor string, err error)
}

// right is what a request to an endpoint needs, read from the request.
type right func(r *http.Request) auth.Scope

// admin is the right of the registry's administrative endpoints.
func admin(*http.Request) auth.Scope {
	return auth.Scope{Type: auth.TypeRegistry, Name: "admin", Actions: []string{auth.ActionAll}}
}

// known asks only for a caller the gate knows. An endpoint registered
// with it must ask for its right itself (see allow), once it knows on
// what: deploy learns the app's name from the spec.
func known(*http.Request) auth.Scope { return auth.Scope{} }

// appScope is the right to do action on app in env: the scope's name is
// "env/app", or the app's alone when berth has one environment, whose
// users never see its name.
func (a *API) appScope(env, app, action string) auth.Scope {
	name := app
	if a.envs != nil && len(a.envs.Deployers()) > 1 {
		name = env + "/" + app
	}
	return auth.Scope{Type: auth.TypeApp, Name: name, Actions: []string{action}}
}

// admit asks the gate for the right need of r and records the actor in
// the request.
func (a *API) admit(w http.ResponseWriter, r *http.Request, need right) (*http.Request, bool) {
	if a.gate == nil {
		return r, true
	}
	actor, err := a.gate.Allow(r, need(r))
	if err != nil {
		a.fail(w, r, err)
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)), true
}

// allow asks the gate whether the caller of r may do what scope says,
// for an endpoint that learns it from the request's body.
func (a *API) allow(r *http.Request, scope auth.Scope) error {
	if a.gate == nil {
		return nil
	}
	_, err := a.gate.Allow(r, scope)
	return err
}
