package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Read returns the content of the file at path (relative to the
// repository's root, slash-separated, cleaned; no leading "/", no ".."
// escaping the root) at commit hash. A missing file, or a missing
// directory on the way, is an error that is fs.ErrNotExist; a directory,
// a symbolic link or a submodule is an error saying so; a file over
// MaxFileSize is a *FileTooLargeError.
func (r *Repo) Read(ctx context.Context, hash, path string) ([]byte, error) {
	name, err := cleanPath(path)
	if err != nil {
		return nil, fmt.Errorf("reading a file of source %s: %w", r.name, err)
	}
	if name == "" {
		return nil, fmt.Errorf("reading a file of source %s: %q names the repository's root, not a file", r.name, path)
	}
	if err := checkEditPath(name); err != nil {
		return nil, fmt.Errorf("reading a file of source %s: %w", r.name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := r.commitOf(hash)
	if err != nil {
		return nil, err
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree of commit %s: %w", hash, err)
	}
	data, err := readEntry(r.git.Storer, tree, name)
	if err != nil {
		return nil, fmt.Errorf("reading %s at commit %s: %w", name, hash, err)
	}
	return data, nil
}

// readEntry reads the regular file p of tree, a checked path, going
// down one directory at a time so that what stands in the way is named.
func readEntry(s storer.EncodedObjectStorer, tree *object.Tree, p string) ([]byte, error) {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		e, err := tree.FindEntry(part)
		last := i == len(parts)-1
		switch {
		case errors.Is(err, object.ErrEntryNotFound) && last:
			return nil, fs.ErrNotExist
		case errors.Is(err, object.ErrEntryNotFound):
			return nil, fmt.Errorf("directory %s: %w", strings.Join(parts[:i+1], "/"), fs.ErrNotExist)
		case err != nil:
			return nil, err
		case last:
			return readRegular(s, e, p)
		}
		dir := strings.Join(parts[:i+1], "/")
		switch e.Mode {
		case filemode.Dir:
		case filemode.Symlink:
			return nil, fmt.Errorf("%s is a symbolic link, and only regular files are read", dir)
		case filemode.Submodule:
			return nil, fmt.Errorf("%s is a submodule", dir)
		default:
			return nil, fmt.Errorf("%s is a file, not a directory: %w", dir, fs.ErrNotExist)
		}
		if tree, err = object.GetTree(s, e.Hash); err != nil {
			return nil, fmt.Errorf("reading directory %s: %w", dir, err)
		}
	}
	return nil, fs.ErrNotExist // not reached: parts is never empty
}

// readRegular reads e, the entry of the file p, if it is a regular file.
func readRegular(s storer.EncodedObjectStorer, e *object.TreeEntry, p string) ([]byte, error) {
	switch e.Mode {
	case filemode.Regular, filemode.Executable, filemode.Deprecated:
	case filemode.Dir:
		return nil, errors.New("it is a directory, and only regular files are read")
	case filemode.Symlink:
		return nil, errors.New("it is a symbolic link, and only regular files are read")
	case filemode.Submodule:
		return nil, errors.New("it is a submodule, and only regular files are read")
	default:
		return nil, fmt.Errorf("it has mode %s, and only regular files are read", e.Mode)
	}
	b, err := object.GetBlob(s, e.Hash)
	if err != nil {
		return nil, err
	}
	return readBlob(b, p)
}
