package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

// dotEnvName is the file beside a spec that sets the variables the
// caller's environment does not, as Compose's .env does.
const dotEnvName = ".env"

// ReadFrom gathers the Input of the spec named name with content data,
// as ReadInput does for a file on disk, but reading the files beside it
// through read: a ".env" file, and every file the spec refers to
// (env_file, label_file, secrets/configs file, seccomp profiles). read
// is given the path as the spec gives it (after ${VAR} is replaced), or
// ".env", and returns an error that errors.Is fs.ErrNotExist for a
// missing file (left out, for Read to report where the spec names it;
// for .env: simply no .env); any other error from read is returned
// wrapped. Variables come from env (the caller's environment, e.g. the
// process's) and, for what env does not set, the .env file (parsed as
// Compose does, with lookup into env). dir is stored as Input.Dir as
// given. Input.Env holds only the variables the spec refers to.
func ReadFrom(name string, data []byte, dir string, env map[string]string, read func(path string) ([]byte, error)) (Input, error) {
	all, err := withDotEnv(env, dir, read)
	if err != nil {
		return Input{}, err
	}
	in := Input{Name: name, Data: data, Dir: dir, Env: map[string]string{}, Files: map[string][]byte{}}
	refs := references(data, all)
	for _, p := range refs.files {
		content, err := read(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Input{}, fmt.Errorf("app spec %s: %w", name, err)
		}
		in.Files[p] = content
		refs.scanEnvFile(content)
	}
	for v := range refs.vars {
		if value, ok := all[v]; ok {
			in.Env[v] = value
		}
	}
	return in, nil
}

// withDotEnv returns env, a copy, with the variables of the .env file
// read gives that env does not set. A .env that refers to variables
// reads them from env.
func withDotEnv(env map[string]string, dir string, read func(path string) ([]byte, error)) (map[string]string, error) {
	all := maps.Clone(env)
	if all == nil {
		all = map[string]string{}
	}
	data, err := read(dotEnvName)
	if errors.Is(err, fs.ErrNotExist) {
		return all, nil // no .env file, which is the usual case
	}
	if err != nil {
		return nil, fmt.Errorf("reading env file: %w", err)
	}
	vars, err := dotenv.ParseWithLookup(bytes.NewReader(data), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		return nil, fmt.Errorf("reading env file: %w", &Error{File: filepath.Join(dir, dotEnvName), Message: err.Error()})
	}
	for k, v := range vars {
		if _, set := all[k]; !set {
			all[k] = v
		}
	}
	return all, nil
}
