package gitsource

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// checkEditPath checks a path given to or returned by Edit: relative to
// the repository's root, slash-separated, with no empty, ".", ".." or
// ".git" part and no backslash, and one go-git can look up.
func checkEditPath(p string) error {
	if p == "" {
		return errors.New("an empty path")
	}
	for _, part := range strings.Split(p, "/") {
		switch {
		case part == "", part == ".", part == "..":
			return fmt.Errorf("%q is not a clean slash-separated path relative to the repository's root", p)
		case strings.EqualFold(part, ".git"):
			return fmt.Errorf("%q is inside .git", p)
		case strings.ContainsRune(part, '\\'):
			return fmt.Errorf("%q holds a backslash, which git refuses to check out on Windows", p)
		}
	}
	// go-git looks up no path git would refuse to check out (control
	// characters, backslashes, .git as some file systems spell it): ask
	// it, on an empty tree.
	_, err := (&object.Tree{}).FindEntry(p)
	if !errors.Is(err, object.ErrEntryNotFound) && !errors.Is(err, object.ErrDirectoryNotFound) {
		return fmt.Errorf("%q is not a path git checks out: %w", p, err)
	}
	return nil
}

// editTree returns the hash of tree (nil for an empty one) with edits
// applied: a path mapped to data is written, one mapped to nil removed.
// Files rewritten keep their mode; new ones are regular. empty is true
// when nothing is left, for the caller to drop the directory as git does.
// dir is tree's path, for messages.
func editTree(s storer.EncodedObjectStorer, tree *object.Tree, edits map[string][]byte, dir string) (h plumbing.Hash, empty bool, err error) {
	entries := map[string]object.TreeEntry{}
	if tree != nil {
		for _, e := range tree.Entries {
			entries[e.Name] = e
		}
	}
	files := map[string][]byte{}
	subs := map[string]map[string][]byte{}
	for p, data := range edits {
		if first, rest, ok := strings.Cut(p, "/"); ok {
			if subs[first] == nil {
				subs[first] = map[string][]byte{}
			}
			subs[first][rest] = data
		} else {
			files[p] = data
		}
	}
	for name, data := range files {
		if err := editFile(s, entries, name, data, path.Join(dir, name)); err != nil {
			return plumbing.ZeroHash, false, err
		}
	}
	for name, sub := range subs {
		if err := editDir(s, entries, name, sub, path.Join(dir, name)); err != nil {
			return plumbing.ZeroHash, false, err
		}
	}
	if len(entries) == 0 {
		return plumbing.ZeroHash, true, nil
	}
	out := &object.Tree{}
	for _, e := range entries {
		out.Entries = append(out.Entries, e)
	}
	// Git orders a tree's entries by name, a directory's name read as if
	// it ended with a slash.
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(out.Entries, func(i, j int) bool { return key(out.Entries[i]) < key(out.Entries[j]) })
	obj := s.NewEncodedObject()
	if err := out.Encode(obj); err != nil {
		return plumbing.ZeroHash, false, fmt.Errorf("encoding tree %s: %w", dir, err)
	}
	h, err = store(s, obj)
	return h, false, err
}

// editFile writes or removes the file name among entries.
func editFile(s storer.EncodedObjectStorer, entries map[string]object.TreeEntry, name string, data []byte, p string) error {
	old, had := entries[name]
	if had {
		switch old.Mode {
		case filemode.Dir:
			return fmt.Errorf("%s is a directory", p)
		case filemode.Symlink:
			return fmt.Errorf("%s is a symbolic link", p)
		case filemode.Submodule:
			return fmt.Errorf("%s is a submodule", p)
		}
	}
	if data == nil {
		delete(entries, name)
		return nil
	}
	mode := filemode.Regular
	if had {
		mode = old.Mode
	}
	obj := s.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(int64(len(data)))
	w, err := obj.Writer()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	h, err := store(s, obj)
	if err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	entries[name] = object.TreeEntry{Name: name, Mode: mode, Hash: h}
	return nil
}

// editDir applies edits to the directory name among entries, dropping it
// when nothing is left in it.
func editDir(s storer.EncodedObjectStorer, entries map[string]object.TreeEntry, name string, edits map[string][]byte, p string) error {
	var sub *object.Tree
	if old, had := entries[name]; had {
		if old.Mode != filemode.Dir {
			if onlyRemovals(edits) {
				return nil // there is nothing under a file to remove
			}
			return fmt.Errorf("%s is not a directory", p)
		}
		var err error
		if sub, err = object.GetTree(s, old.Hash); err != nil {
			return fmt.Errorf("reading directory %s: %w", p, err)
		}
	}
	h, empty, err := editTree(s, sub, edits, p)
	if err != nil {
		return err
	}
	if empty {
		delete(entries, name)
	} else {
		entries[name] = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
	}
	return nil
}

// store writes obj unless the repository has it already.
func store(s storer.EncodedObjectStorer, obj plumbing.EncodedObject) (plumbing.Hash, error) {
	if err := s.HasEncodedObject(obj.Hash()); err == nil {
		return obj.Hash(), nil
	}
	return s.SetEncodedObject(obj)
}

func onlyRemovals(edits map[string][]byte) bool {
	for _, data := range edits {
		if data != nil {
			return false
		}
	}
	return true
}
