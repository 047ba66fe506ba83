package release

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// maxPeel bounds a chain of annotated tags pointing at annotated tags.
const maxPeel = 16

// open opens the repository whose work tree holds dir.
func open(dir string) (*git.Repository, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%w: no .git in %s or any directory above it", ErrNotRepository, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the git repository of %s: %w", dir, err)
	}
	return repo, nil
}

// head returns HEAD's commit and, when HEAD is on a branch, its name.
func head(repo *git.Repository) (*object.Commit, string, error) {
	ref, err := repo.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, "", fmt.Errorf("%w: HEAD has no commit yet", ErrNoCommits)
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading HEAD: %w", err)
	}
	commit, err := repo.CommitObject(ref.Hash())
	if err != nil {
		return nil, "", fmt.Errorf("reading HEAD's commit %s: %w", ref.Hash(), err)
	}
	branch := ""
	if ref.Name().IsBranch() {
		branch = ref.Name().Short()
	}
	return commit, branch, nil
}

// tagsByCommit maps commits to the names of the tags on them, annotated
// tags peeled. Tags of trees, blobs or objects a shallow clone lacks are
// left out.
func tagsByCommit(repo *git.Repository) (map[plumbing.Hash][]string, error) {
	refs, err := repo.Tags()
	if err != nil {
		return nil, fmt.Errorf("listing tags: %w", err)
	}
	m := map[plumbing.Hash][]string{}
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Hash().IsZero() {
			return nil
		}
		name := strings.TrimPrefix(ref.Name().String(), "refs/tags/")
		h, ok, err := peel(repo.Storer, ref.Hash())
		if err != nil {
			return fmt.Errorf("peeling tag %s: %w", name, err)
		}
		if ok {
			m[h] = append(m[h], name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing tags: %w", err)
	}
	return m, nil
}

// peel follows annotated tags from h to the commit they tag; ok is false
// when they end at something else or at an object that is missing.
func peel(s storer.EncodedObjectStorer, h plumbing.Hash) (plumbing.Hash, bool, error) {
	for range maxPeel {
		obj, err := s.EncodedObject(plumbing.AnyObject, h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return h, false, nil
		}
		if err != nil {
			return h, false, err
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return h, true, nil
		case plumbing.TagObject:
			tag, err := object.DecodeTag(s, obj)
			if err != nil {
				return h, false, err
			}
			h = tag.Target
		default:
			return h, false, nil
		}
	}
	return h, false, fmt.Errorf("more than %d annotated tags in a chain", maxPeel)
}
