package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// openClone opens the clone at path when it is whole and of the source's
// URL; fs.ErrNotExist when there is none. A clone made for another branch
// is kept and set to fetch this one.
func (r *Repo) openClone(path string) (*git.Repository, error) {
	if _, err := os.Lstat(path); err != nil {
		return nil, err
	}
	g, err := git.PlainOpen(path)
	if err != nil {
		return nil, fmt.Errorf("opening the clone: %w", err)
	}
	cfg, err := g.Config()
	if err != nil {
		return nil, fmt.Errorf("reading the clone's config: %w", err)
	}
	rc, ok := cfg.Remotes[remoteName]
	if !ok || len(rc.URLs) != 1 || rc.URLs[0] != r.remote.url {
		return nil, errors.New("the clone is of another URL")
	}
	if len(rc.Fetch) != 1 || rc.Fetch[0] != r.refSpec() {
		// The branch changed: the next fetch brings the new one.
		rc.Fetch = []config.RefSpec{r.refSpec()}
		if err := g.SetConfig(cfg); err != nil {
			return nil, fmt.Errorf("setting the clone to fetch branch %s: %w", r.branch, err)
		}
		return g, nil
	}
	// A clone is complete when renamed into place; what a crash or a
	// full disk may still have cut short shows in its tip.
	ref, err := g.Reference(r.trackingRef(), true)
	if err != nil {
		return nil, fmt.Errorf("reading the clone's tip: %w", err)
	}
	c, err := g.CommitObject(ref.Hash())
	if err != nil {
		return nil, fmt.Errorf("reading the clone's tip %s: %w", ref.Hash(), err)
	}
	if _, err := c.Tree(); err != nil {
		return nil, fmt.Errorf("reading the tree of the clone's tip %s: %w", ref.Hash(), err)
	}
	return g, nil
}

// clone makes a bare clone of the branch in a temporary directory in dir
// and renames it to path once it is complete and on disk.
func (r *Repo) clone(ctx context.Context, dir, path string) (*git.Repository, error) {
	tmp, err := os.MkdirTemp(dir, tempPrefix+"*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // nothing left once renamed
	g, err := git.PlainInit(tmp, true)
	if err != nil {
		return nil, fmt.Errorf("initializing the clone: %w", err)
	}
	_, err = g.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{r.remote.url}, Fetch: []config.RefSpec{r.refSpec()}})
	if err != nil {
		return nil, fmt.Errorf("setting the clone's remote: %w", err)
	}
	tip, err := r.fetch(ctx, g)
	if err != nil {
		return nil, err
	}
	if err := syncTree(tmp); err != nil {
		return nil, fmt.Errorf("syncing the clone: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("syncing the clone: %w", err)
	}
	r.log.Info("cloned the source", "source", r.name, "branch", r.branch, "commit", tip.String())
	return git.PlainOpen(path)
}

// fetch fetches the branch into g and returns its tip.
func (r *Repo) fetch(ctx context.Context, g *git.Repository) (plumbing.Hash, error) {
	err := g.FetchContext(ctx, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{r.refSpec()},
		Auth:       r.auth,
		Tags:       git.NoTags,
		Force:      true,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, classify(ctx, err)
	}
	ref, err := g.Reference(r.trackingRef(), true)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("reading the tip of branch %s: %w", r.branch, err)
	}
	return ref.Hash(), nil
}

// syncTree flushes every file under root to disk, and the directories
// that hold them.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return syncDir(p)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
