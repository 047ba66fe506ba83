package api

import (
	"errors"
	"net/http"
)

// Environments are berth's environments, each with its deploy engine.
type Environments interface {
	// Deployer returns the engine of env, of the first environment for
	// "", or an error wrapping ErrEnvUnknown.
	Deployer(env string) (Deployer, error)
	// Deployers lists every environment's engine, in order.
	Deployers() []Deployer
}

// ErrEnvUnknown reports an environment berth does not have; the API
// answers it with 404.
var ErrEnvUnknown = errors.New("environment unknown")

// deployer returns the engine of env.
func (a *API) deployer(env string) (Deployer, error) {
	if a.envs == nil {
		return nil, errors.New("berth has no deploy engine")
	}
	d, err := a.envs.Deployer(env)
	if err != nil {
		return nil, deployStatus(err)
	}
	return d, nil
}

// handleApp serves an endpoint on one app of the environment ?env=
// names, with the right to do action on it. A caller the gate knows
// learns that an environment does not exist before whether it may act
// in it.
func (a *API) handleApp(pattern, action string, h func(r *http.Request, d Deployer) (any, error)) {
	a.handle(pattern, known, func(r *http.Request) (any, error) {
		d, err := a.appDeployer(r, action)
		if err != nil {
			return nil, err
		}
		return h(r, d)
	})
}

// streamApp is handleApp for an endpoint that writes its own answer.
func (a *API) streamApp(pattern, action string, h func(w http.ResponseWriter, r *http.Request, d Deployer) error) {
	a.stream(pattern, known, func(w http.ResponseWriter, r *http.Request) error {
		d, err := a.appDeployer(r, action)
		if err != nil {
			return err
		}
		return h(w, r, d)
	})
}

// appDeployer returns the engine of the environment r names, once the
// caller may do action on the app of r's path there.
func (a *API) appDeployer(r *http.Request, action string) (Deployer, error) {
	d, err := a.deployer(r.URL.Query().Get("env"))
	if err != nil {
		return nil, err
	}
	if err := a.allow(r, a.appScope(d.Env(), r.PathValue("app"), action)); err != nil {
		return nil, err
	}
	return d, nil
}
