package gitops

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// appID is an app as git sync knows it: its environment and its name.
// Two folders of a source may hold apps of the same name for two
// environments.
type appID struct{ env, name string }

// key is the app's key in the state file: its bare name in
// config.DefaultEnvironment, where berth kept every app before it had
// environments (so that a state file from then means the same), else
// env/name.
func (id appID) key() string {
	if id.env == config.DefaultEnvironment {
		return id.name
	}
	return id.env + "/" + id.name
}

func (id appID) String() string { return id.env + "/" + id.name }

// parseKey reads a key of the state file.
func parseKey(k string) appID {
	if env, name, ok := strings.Cut(k, "/"); ok {
		return appID{env: env, name: name}
	}
	return appID{env: config.DefaultEnvironment, name: k}
}

func compareIDs(a, b appID) int {
	return cmp.Or(strings.Compare(a.env, b.env), strings.Compare(a.name, b.name))
}

// engine returns the deploy engine of env.
func (c *Controller) engine(env string) (Engine, error) {
	if e, ok := c.engines[env]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("environment %s is not one of berth's environments", env)
}

// label names an app in messages and commits: env/name once berth has
// more than one environment, the name alone before.
func (c *Controller) label(id appID) string {
	if len(c.engines) > 1 {
		return id.String()
	}
	return id.name
}

// idOf is the app called name in env; "" is the default environment.
func (c *Controller) idOf(env, name string) appID {
	return appID{env: cmp.Or(env, c.def), name: name}
}

// envOf is the environment of the app file at file.
func (s *source) envOf(file string) string {
	return cmp.Or(s.cfg.EnvironmentOf(file), s.c.def)
}

// appsNamed finds the apps of source that app names: ENV/APP one, a
// bare name every environment's app of that name.
func (c *Controller) appsNamed(source, app string) ([]appID, error) {
	all, err := c.st.apps()
	if err != nil {
		return nil, err
	}
	var out []appID
	for key, a := range all {
		id := parseKey(key)
		if a.Source != source {
			continue
		}
		if id.name == app || id.String() == app {
			out = append(out, id)
		}
	}
	return out, nil
}
