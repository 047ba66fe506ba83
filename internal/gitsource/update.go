package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxAttempts is how many times Update edits and pushes before it gives
// up on a branch others keep pushing to.
const maxAttempts = 5

// Update makes change on the tip of the remote branch and pushes it. When
// the push fails because the branch moved meanwhile, it edits the new tip
// again, up to maxAttempts times in all, then gives ErrConflict. An Edit
// that changes nothing gives ErrNothingToCommit and pushes nothing. The
// commit's author and committer are change.Author; its message is
// change.Message, a final newline added when missing. It returns the
// commit pushed.
func (r *Repo) Update(ctx context.Context, change Change) (Commit, error) {
	if change.Edit == nil || change.Message == "" || change.Author.Name == "" {
		return Commit{}, errors.New("a change needs an edit, a message and an author's name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	tip, err := r.fetch(ctx, r.git)
	if err != nil {
		return Commit{}, r.redact(fmt.Errorf("fetching branch %s of source %s: %w", r.branch, r.name, err))
	}
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		c, err := r.makeCommit(tip, change)
		if err != nil {
			return Commit{}, err
		}
		pushErr := r.push(ctx, c.Hash)
		if pushErr == nil {
			return r.pushed(c)
		}
		// Whether the push failed because someone else pushed shows in
		// the branch: it moved.
		now, err := r.fetch(ctx, r.git)
		switch {
		case err != nil:
			return Commit{}, r.redact(fmt.Errorf("pushing to branch %s of source %s: %w", r.branch, r.name, pushErr))
		case now == c.Hash:
			return r.pushed(c) // the push went through though its answer did not
		case now == tip:
			return Commit{}, r.redact(fmt.Errorf("pushing to branch %s of source %s: %w", r.branch, r.name, pushErr))
		}
		r.log.Info("the branch moved while pushing: editing its new tip", "source", r.name, "branch", r.branch,
			"tip", now.String(), "attempt", attempt)
		tip = now
	}
	return Commit{}, fmt.Errorf("pushing to branch %s of source %s: %w (%d times)", r.branch, r.name, ErrConflict, maxAttempts)
}

// makeCommit calls change's Edit on the commit tip and writes a commit of
// what it changed on top of tip.
func (r *Repo) makeCommit(tip plumbing.Hash, change Change) (*object.Commit, error) {
	parent, err := r.commit(tip)
	if err != nil {
		return nil, err
	}
	tree, err := parent.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree of commit %s of source %s: %w", tip, r.name, err)
	}
	edits, err := change.Edit(func(p string) ([]byte, error) { return readFile(tree, p) })
	if err != nil {
		return nil, fmt.Errorf("editing the files of source %s: %w", r.name, err)
	}
	for p := range edits {
		if err := checkEditPath(p); err != nil {
			return nil, fmt.Errorf("editing the files of source %s: %w", r.name, err)
		}
	}
	s := r.git.Storer
	treeHash, empty, err := editTree(s, tree, edits, "")
	if err != nil {
		return nil, fmt.Errorf("editing the files of source %s: %w", r.name, err)
	}
	if empty {
		return nil, fmt.Errorf("editing the files of source %s: it would leave the repository empty", r.name)
	}
	if treeHash == tree.Hash {
		return nil, fmt.Errorf("source %s: %w", r.name, ErrNothingToCommit)
	}
	message := change.Message
	if !strings.HasSuffix(message, "\n") {
		message += "\n"
	}
	sig := object.Signature{Name: change.Author.Name, Email: change.Author.Email, When: time.Now()}
	c := &object.Commit{Author: sig, Committer: sig, Message: message, TreeHash: treeHash, ParentHashes: []plumbing.Hash{tip}}
	obj := s.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return nil, fmt.Errorf("encoding a commit of source %s: %w", r.name, err)
	}
	if c.Hash, err = s.SetEncodedObject(obj); err != nil {
		return nil, fmt.Errorf("writing a commit of source %s: %w", r.name, err)
	}
	return c, nil
}

// readFile reads the file p of tree for an Edit.
func readFile(tree *object.Tree, p string) ([]byte, error) {
	if err := checkEditPath(p); err != nil {
		return nil, err
	}
	f, err := tree.File(p)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		if e, ferr := tree.FindEntry(p); ferr == nil && e.Mode == filemode.Dir {
			return nil, fmt.Errorf("reading %s: it is a directory", p)
		}
		return nil, fmt.Errorf("reading %s: %w", p, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if f.Mode == filemode.Symlink {
		return nil, fmt.Errorf("reading %s: it is a symbolic link, and only regular files are read", p)
	}
	data, err := readBlob(&f.Blob, p)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	return data, nil
}

// push pushes the commit h to the branch.
func (r *Repo) push(ctx context.Context, h plumbing.Hash) error {
	err := r.git.PushContext(ctx, &git.PushOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{config.RefSpec(h.String() + ":" + plumbing.NewBranchReferenceName(r.branch).String())},
		Auth:       r.auth,
	})
	return classify(ctx, err)
}

// pushed records c as the tip of the remote branch and returns it.
func (r *Repo) pushed(c *object.Commit) (Commit, error) {
	if err := r.git.Storer.SetReference(plumbing.NewHashReference(r.trackingRef(), c.Hash)); err != nil {
		return Commit{}, fmt.Errorf("recording the tip of branch %s of source %s: %w", r.branch, r.name, err)
	}
	r.log.Info("pushed a commit", "source", r.name, "branch", r.branch, "commit", c.Hash.String())
	return toCommit(c), nil
}
