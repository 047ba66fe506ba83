package release

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotRepository reports a directory that is not inside a git work
	// tree.
	ErrNotRepository = errors.New("not a git repository")
	// ErrNoCommits reports a repository whose HEAD has no commit yet.
	ErrNoCommits = errors.New("no commit to publish")
	// ErrDirty reports uncommitted changes; the error is a *DirtyError.
	ErrDirty = errors.New("work tree has uncommitted changes")
	// ErrReleaseTag reports a tag on HEAD that looks like a release
	// version but is not valid semver.
	ErrReleaseTag = errors.New("invalid release tag")
	// ErrFormat reports a tag format that is malformed or gives no valid
	// tag.
	ErrFormat = errors.New("invalid tag format")
	// ErrBump reports a bump that is not patch, minor or major, or that
	// would overflow.
	ErrBump = errors.New("invalid bump")
	// ErrFloating reports a tag such as latest that moves from build to
	// build.
	ErrFloating = errors.New("floating tag")
)

// maxListed is how many changes a DirtyError's message names.
const maxListed = 10

// DirtyError lists a dirty work tree's changes.
type DirtyError struct {
	// Changes are lines as `git status --short` prints them ("XY path":
	// " M" modified, "A " staged, "??" untracked ...), sorted by path.
	Changes []string
}

func (e *DirtyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v (%d):", ErrDirty, len(e.Changes))
	for i, c := range e.Changes {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Changes)-maxListed)
			break
		}
		b.WriteString("\n  " + c)
	}
	b.WriteString("\ncommit them (or add them to .gitignore), or pass --allow-dirty to publish with a -dirty tag")
	return b.String()
}

func (e *DirtyError) Unwrap() error { return ErrDirty }
