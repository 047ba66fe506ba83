package spec

import (
	"os"
	"strings"
)

// ProcessEnv is the process's environment, which ${VAR} in a spec Load
// reads is taken from before the .env file beside it (see ReadFrom).
func ProcessEnv() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			env[k] = v
		}
	}
	return env
}
