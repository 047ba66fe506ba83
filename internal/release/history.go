package release

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// releaseTag returns the highest release version among names, the tags
// on one commit; ok is false when there is none. A name that looks like
// a version but is not valid semver is an error.
func releaseTag(names []string) (best version, ok bool, err error) {
	for _, name := range names {
		v, isVersion, err := parseVersionTag(name)
		if err != nil {
			return version{}, false, err
		}
		if isVersion && (!ok || v.higher(best)) {
			best, ok = v, true
		}
	}
	return best, ok, nil
}

// validReleaseTag is releaseTag passing over invalid names, for tags on
// past commits that are history now.
func validReleaseTag(names []string) (best version, ok bool) {
	for _, name := range names {
		v, isVersion, err := parseVersionTag(name)
		if err == nil && isVersion && (!ok || v.higher(best)) {
			best, ok = v, true
		}
	}
	return best, ok
}

// nearestVersion returns the release version tagged on the commit
// fewest parent steps from start (the highest, if several commits are as
// near); ok is false when no commit reachable from start has one. The
// walk stops where a shallow clone's history ends.
func nearestVersion(repo *git.Repository, start plumbing.Hash, tags map[plumbing.Hash][]string) (version, bool, error) {
	seen := map[plumbing.Hash]bool{start: true}
	level := []plumbing.Hash{start}
	for len(level) > 0 && len(tags) > 0 {
		var best version
		found := false
		var next []plumbing.Hash
		for _, h := range level {
			if v, ok := validReleaseTag(tags[h]); ok && (!found || v.higher(best)) {
				best, found = v, true
			}
			commit, err := repo.CommitObject(h)
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				continue // beyond a shallow clone's history
			}
			if err != nil {
				return version{}, false, fmt.Errorf("walking history at %s: %w", h, err)
			}
			for _, p := range commit.ParentHashes {
				if !seen[p] {
					seen[p] = true
					next = append(next, p)
				}
			}
		}
		if found {
			return best, true, nil
		}
		level = next
	}
	return version{}, false, nil
}
