package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

const (
	// cloneName is the bare clone's directory inside the source's own.
	cloneName = "clone"
	// tempPrefix starts the name of a clone being made; one found by Open
	// was left by a crash.
	tempPrefix = ".clone-"
	// remoteName is the clone's only remote.
	remoteName = "origin"
)

// Repo is a source's repository: a bare clone kept in a directory of its
// own. Its methods are safe to call concurrently; they run one at a time.
type Repo struct {
	name   string
	branch string
	// path is the directory inside the repository, cleaned; "" for the
	// root.
	path   string
	remote remote
	auth   transport.AuthMethod
	// secrets are the credentials, blanked out of every error.
	secrets []string
	log     *slog.Logger

	mu  sync.Mutex
	git *git.Repository
}

// Open returns the source's repository kept in dir (a directory of its
// own under berth's data directory), cloning it the first time. A clone
// interrupted by a crash is detected and made again, and so is a clone
// of another URL than cfg's.
func Open(ctx context.Context, dir string, cfg Config, log *slog.Logger) (*Repo, error) {
	r, err := newRepo(cfg, log)
	if err != nil {
		return nil, err
	}
	if err := privateDir(dir); err != nil {
		return nil, fmt.Errorf("making the directory of source %s: %w", r.name, err)
	}
	if r.auth, err = transportAuth(r.remote, cfg.Auth, dir); err != nil {
		return nil, r.redact(fmt.Errorf("source %s: %w", r.name, err))
	}
	if err := removeTemps(dir); err != nil {
		return nil, fmt.Errorf("removing an interrupted clone of source %s: %w", r.name, err)
	}
	clonePath := filepath.Join(dir, cloneName)
	g, err := r.openClone(clonePath)
	if err == nil {
		r.git = g
		return r, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		r.log.Warn("making the clone of the source again", "source", r.name, "reason", err.Error())
		if err := os.RemoveAll(clonePath); err != nil {
			return nil, fmt.Errorf("removing the clone of source %s: %w", r.name, err)
		}
	}
	if r.git, err = r.clone(ctx, dir, clonePath); err != nil {
		return nil, r.redact(fmt.Errorf("cloning source %s from %s: %w", r.name, r.remote.url, err))
	}
	return r, nil
}

// newRepo checks cfg.
func newRepo(cfg Config, log *slog.Logger) (*Repo, error) {
	r := &Repo{name: cfg.Name, branch: cfg.Branch, log: log}
	for _, s := range []string{cfg.Auth.Password, cfg.Auth.SSHKeyPassphrase} {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	var err error
	if r.remote, err = parseURL(cfg.URL); err != nil {
		return nil, fmt.Errorf("the URL of source %s: %w", r.name, err)
	}
	if r.branch == "" {
		r.branch = DefaultBranch
	}
	if err := plumbing.NewBranchReferenceName(r.branch).Validate(); err != nil || strings.HasPrefix(r.branch, "-") {
		return nil, fmt.Errorf("source %s: %q is not a valid branch name", r.name, r.branch)
	}
	if r.path, err = cleanPath(cfg.Path); err != nil {
		return nil, fmt.Errorf("the path of source %s: %w", r.name, err)
	}
	return r, nil
}

// cleanPath returns p, a directory inside the repository, in the form
// trees are walked with: slash-separated, no "." or "..", "" for the
// root.
func cleanPath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return "", fmt.Errorf("%q is not a slash-separated path relative to the repository's root", p)
	}
	p = path.Clean(p)
	if p == "." {
		return "", nil
	}
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%q is outside the repository", p)
	}
	return p, nil
}

// privateDir makes dir, readable only by its owner.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// removeTemps removes what a clone interrupted by a crash left in dir.
func removeTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) || strings.HasPrefix(e.Name(), ".known_hosts-") {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// trackingRef is where the clone keeps the tip of the remote branch.
func (r *Repo) trackingRef() plumbing.ReferenceName {
	return plumbing.NewRemoteReferenceName(remoteName, r.branch)
}

func (r *Repo) refSpec() config.RefSpec {
	return config.RefSpec(fmt.Sprintf("+%s:%s", plumbing.NewBranchReferenceName(r.branch), r.trackingRef()))
}

// redact blanks the source's credentials out of err's message.
func (r *Repo) redact(err error) error { return redact(err, r.secrets) }
