package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

// environment is what ${VAR} in a spec Load reads is taken from: the
// process's environment, then the .env file in dir for what that does
// not set, as Compose does.
func environment(dir string) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			env[k] = v
		}
	}
	if dir == "" {
		return env, nil
	}
	path := filepath.Join(dir, ".env")
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return env, nil // no .env file, which is the usual case
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading env file: %w", err)
	}
	vars, err := dotenv.ParseWithLookup(bytes.NewReader(data), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		return nil, fmt.Errorf("reading env file: %w", &Error{File: path, Message: err.Error()})
	}
	for k, v := range vars {
		if _, set := env[k]; !set {
			env[k] = v
		}
	}
	return env, nil
}
