package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Fetch fetches the branch and returns its tip.
func (r *Repo) Fetch(ctx context.Context) (Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tip, err := r.fetch(ctx, r.git)
	if err != nil {
		return Commit{}, r.redact(fmt.Errorf("fetching branch %s of source %s: %w", r.branch, r.name, err))
	}
	c, err := r.commit(tip)
	if err != nil {
		return Commit{}, err
	}
	return toCommit(c), nil
}

// Files returns every .yaml and .yml file under the source's path at
// commit hash, recursively, sorted by path. A file over MaxFileSize is a
// *FileTooLargeError, and a symbolic link an error: berth reads regular
// files only.
func (r *Repo) Files(ctx context.Context, hash string) ([]File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.commitOf(hash)
	if err != nil {
		return nil, err
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree of commit %s: %w", hash, err)
	}
	if r.path != "" {
		if tree, err = tree.Tree(r.path); err != nil {
			return nil, fmt.Errorf("reading directory %s at commit %s: %w", r.path, hash, err)
		}
	}
	var files []File
	iter := tree.Files()
	defer iter.Close()
	for {
		f, err := iter.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the files of %s at commit %s: %w", r.rootName(), hash, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !isYAML(f.Name) {
			continue
		}
		name := path.Join(r.path, f.Name)
		if f.Mode == filemode.Symlink {
			return nil, fmt.Errorf("reading %s at commit %s: it is a symbolic link, and only regular files are read", name, hash)
		}
		data, err := readBlob(&f.Blob, name)
		if err != nil {
			return nil, fmt.Errorf("reading %s at commit %s: %w", name, hash, err)
		}
		files = append(files, File{Path: name, Data: data})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func isYAML(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// rootName names the source's path in messages.
func (r *Repo) rootName() string {
	if r.path == "" {
		return "the repository's root"
	}
	return r.path
}

// readBlob reads a blob of at most MaxFileSize bytes.
func readBlob(b *object.Blob, name string) ([]byte, error) {
	if b.Size > MaxFileSize {
		return nil, &FileTooLargeError{Path: name, Size: b.Size}
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(io.LimitReader(rd, MaxFileSize+1))
}

// commitOf reads the commit named by hash, a full hex hash.
func (r *Repo) commitOf(hash string) (*object.Commit, error) {
	if !plumbing.IsHash(hash) {
		return nil, fmt.Errorf("%q is not a commit hash", hash)
	}
	return r.commit(plumbing.NewHash(hash))
}

func (r *Repo) commit(h plumbing.Hash) (*object.Commit, error) {
	c, err := r.git.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("reading commit %s of source %s: %w", h, r.name, err)
	}
	return c, nil
}

func toCommit(c *object.Commit) Commit {
	return Commit{
		Hash:    c.Hash.String(),
		Message: c.Message,
		Author:  fmt.Sprintf("%s <%s>", c.Author.Name, c.Author.Email),
		When:    c.Author.When,
	}
}
