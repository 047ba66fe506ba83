package config

import (
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// EnvironmentOf returns the environment of the app file at file, a
// slash-separated path from the repository's root: that of the deepest
// folder of Environments holding it, else Environment. "" means the
// first environment.
func (s Source) EnvironmentOf(file string) string {
	env, depth := s.Environment, -1
	for folder, e := range s.Environments {
		dir := folder
		if s.Path != "" {
			dir = s.Path + "/" + folder
		}
		if strings.HasPrefix(file, dir+"/") && len(dir) > depth {
			env, depth = e, len(dir)
		}
	}
	return env
}

// Equal reports whether s and o are the same settings (no folder
// mapped and an empty map are the same).
func (s Source) Equal(o Source) bool {
	if !maps.Equal(s.Environments, o.Environments) {
		return false
	}
	s.Environments, o.Environments = nil, nil
	return reflect.DeepEqual(s, o)
}

// envProblems checks the form of the source's environment settings;
// whether they are declared is Config's to say (sourceEnvErrors).
func (s Source) envProblems() []problem {
	var out []problem
	if e := s.Environment; e != "" && !environmentName.MatchString(e) {
		out = append(out, problem{"environment", fmt.Sprintf("%q: want the name of an environment, such as production", e)})
	}
	for _, folder := range slices.Sorted(maps.Keys(s.Environments)) {
		key := "environments." + folder
		if !fs.ValidPath(folder) || folder == "." || strings.Contains(folder, `\`) {
			out = append(out, problem{key, fmt.Sprintf("%q: want a folder relative to the source's path, such as integration or envs/qa, "+
				"without . or .. parts, \\ or a / at either end", folder)})
		}
		if e := s.Environments[folder]; !environmentName.MatchString(e) {
			out = append(out, problem{key, fmt.Sprintf("%q: want the name of an environment, such as integration", e)})
		}
	}
	return out
}

// sourceEnvErrors reports the environments source i names that the
// configuration does not declare.
func (c Config) sourceEnvErrors(i int, s Source) []error {
	var errs []error
	check := func(key, env string) {
		if env == "" || !environmentName.MatchString(env) {
			return // none, or refused by Source.Validate already
		}
		if _, err := c.Env(env); err != nil {
			errs = append(errs, fmt.Errorf("sources[%d] %s: %s: %w", i, s.Name, key, err))
		}
	}
	if len(c.Environments) > 1 && s.Environment == "" && len(s.Environments) == 0 {
		// A default would be a guess: the first environment for a source
		// that used to apply to the one berth had would move its apps.
		errs = append(errs, fmt.Errorf("sources[%d] %s: berth.yaml declares several environments (%s): say which this source's apps run in "+
			"(environment: NAME), or map its folders to them (environments: {FOLDER: NAME})",
			i, s.Name, strings.Join(c.EnvNames(), ", ")))
	}
	check("environment", s.Environment)
	for _, folder := range slices.Sorted(maps.Keys(s.Environments)) {
		check("environments."+folder, s.Environments[folder])
	}
	return errs
}
