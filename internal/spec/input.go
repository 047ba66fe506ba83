package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Input is everything a spec is read from. A spec stands alone: Read
// looks at nothing else, no file and no process environment, so the
// same Input gives the same App on any host and at any time.
type Input struct {
	// Name is the file problems are reported against and App.File
	// ("compose.yaml" if empty).
	Name string
	// Data is the Compose file's content.
	Data []byte
	// Dir is the directory the file came from, a path or just its name
	// ("" for none). Its last element names the app when the file does
	// not; when it is an absolute path, relative bind mounts are read
	// against it, as Compose does.
	Dir string
	// Env holds the variables ${VAR} is read from, and those bare
	// environment entries, env files and secrets.*.environment name.
	Env map[string]string
	// Files holds the content of the files the spec refers to (env_file,
	// label_file, secrets.*.file, configs.*.file and seccomp profiles in
	// security_opt), keyed by the path as the spec gives it, after
	// ${VAR} is replaced.
	Files map[string][]byte
	// HostSuffix, when set, is appended after a dot to every route host:
	// the environment the app is deployed in names its hosts so.
	HostSuffix string
}

// Parse reads an app spec from data and env alone; it is Read of an
// Input without files.
func Parse(name string, data []byte, dir string, env map[string]string) (*App, error) {
	return Read(Input{Name: name, Data: data, Dir: dir, Env: env})
}

// Load reads the app spec at path as the deploying client does
// (ReadInput), then reads the App from that Input.
func Load(path string) (*App, error) {
	in, err := ReadInput(path)
	if err != nil {
		return nil, err
	}
	return Read(in)
}

// ReadInput gathers, for the deploying client, everything the spec at
// path is read from: ReadFrom of the file, named by path as given, with
// its absolute directory, the process environment, and files read
// relative to that directory. The variables the spec refers to come
// from the process environment and, for what that does not set, a .env
// file beside it, as Compose does; a .env that is not a regular file (a
// Python virtualenv's directory, say) is no .env file. The files it
// refers to may lie outside the spec's directory (../x, an absolute
// path), as with docker compose: the client reads them, so they are the
// deployer's own. A referenced file that does not exist is left out,
// for Read to report where the spec names it; a spec that cannot be
// read at all is an error naming it.
func ReadInput(path string) (Input, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Input{}, fmt.Errorf("reading app spec: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Input{}, fmt.Errorf("reading app spec: %w", err)
	}
	dir := filepath.Dir(abs)
	return ReadFrom(path, data, dir, ProcessEnv(), func(p string) ([]byte, error) {
		if p == dotEnvName {
			if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || !fi.Mode().IsRegular() {
				return nil, fs.ErrNotExist
			}
		}
		return readReferenced(dir, p)
	})
}

// readReferenced reads a file the spec names, relative to dir.
func readReferenced(dir, p string) ([]byte, error) {
	full := p
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		full = filepath.Join(home, rest)
	} else if !filepath.IsAbs(p) {
		full = filepath.Join(dir, p)
	}
	fi, err := os.Stat(full)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("reading %s: %s is a directory; berth places files, not directories", p, full)
	}
	content, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	return content, nil
}
