package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver/docker"
	"github.com/berth-dev/berth/internal/pipeline"
)

// environment is one of berth's environments as the server runs it: a
// driver for its target and a deploy engine of its own.
type environment struct {
	cfg      config.Environment
	declared bool
	driver   *docker.Driver
	engine   *deploy.Engine
}

// storeFile is the file of env's deploy state in the data directory.
// The default environment keeps deploy.db, where berth kept its apps
// before it had environments.
func storeFile(env string) string {
	if env == config.DefaultEnvironment {
		return "deploy.db"
	}
	return "deploy-" + env + ".db"
}

// storedEnvs lists the environments with deploy state in dataDir.
func storedEnvs(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(dataDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("listing the data directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == "deploy.db":
			out = append(out, config.DefaultEnvironment)
		case strings.HasPrefix(name, "deploy-") && strings.HasSuffix(name, ".db"):
			env := strings.TrimSuffix(strings.TrimPrefix(name, "deploy-"), ".db")
			if config.ValidEnvName(env) {
				out = append(out, env)
			}
		}
	}
	return out, nil
}

// envSpecs are the environments to run: those declared, in order, then
// those with state in dataDir that are no longer declared, so that
// their apps keep running and can be removed.
func envSpecs(cfg config.Config) ([]environment, error) {
	var out []environment
	for _, e := range cfg.Envs() {
		out = append(out, environment{cfg: e, declared: true})
	}
	stored, err := storedEnvs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	for _, name := range stored {
		if slices.ContainsFunc(out, func(e environment) bool { return e.cfg.Name == name }) {
			continue
		}
		out = append(out, environment{cfg: config.Environment{Name: name, Target: config.Target{Kind: config.TargetDocker}}})
	}
	return out, nil
}

// closeEnvs closes the engines and drivers of envs, logging failures.
func closeEnvs(envs []*environment, log *slog.Logger) {
	for _, e := range envs {
		if e.engine != nil {
			if err := e.engine.Close(); err != nil {
				log.Error("closing the deploy engine", "env", e.cfg.Name, "err", err)
			}
		}
		if e.driver != nil {
			if err := e.driver.Close(); err != nil {
				log.Warn("closing the Docker client", "env", e.cfg.Name, "err", err)
			}
		}
	}
}

// pipelineEnvs are envs as the pipeline takes them.
func pipelineEnvs(envs []*environment) []*pipeline.Env {
	out := make([]*pipeline.Env, len(envs))
	for i, e := range envs {
		out[i] = &pipeline.Env{Name: e.cfg.Name, Engine: e.engine, Rule: e.cfg.Promotion, Declared: e.declared}
	}
	return out
}

// apiEnvs are envs as the API takes them.
type apiEnvs []*environment

func (a apiEnvs) Deployer(env string) (api.Deployer, error) {
	if env == "" {
		return a.deployer(a[0]), nil
	}
	for _, e := range a {
		if e.cfg.Name == env {
			return a.deployer(e), nil
		}
	}
	var names []string
	for _, e := range a {
		if e.declared {
			names = append(names, e.cfg.Name)
		}
	}
	return nil, fmt.Errorf("%w: %q is not one of berth's environments (%s)", api.ErrEnvUnknown, env, strings.Join(names, ", "))
}

func (a apiEnvs) Deployers() []api.Deployer {
	out := make([]api.Deployer, len(a))
	for i, e := range a {
		out[i] = a.deployer(e)
	}
	return out
}

func (apiEnvs) deployer(e *environment) api.Deployer {
	if e.declared {
		return e.engine
	}
	return undeclared{e.engine}
}

// undeclared is the engine of an environment berth.yaml no longer
// declares: its apps can be looked at, rolled back and removed, and
// nothing new is deployed.
type undeclared struct{ *deploy.Engine }

func (u undeclared) Deploy(context.Context, deploy.Request) (deploy.Revision, error) {
	return deploy.Revision{}, fmt.Errorf("%w: environment %s is not declared in berth.yaml any more; declare it again to deploy to it, "+
		"or remove its apps (berth remove APP --env %s)", deploy.ErrSpec, u.Env(), u.Env())
}
