package release

import (
	"fmt"
	"sort"
)

// publishedBefore finds the release version among existing that r's
// commit was published as, looking through the ReuseDepth highest. A
// dirty work tree is never the commit it was.
func publishedBefore(r Result, existing []string, revisionOf func(string) (string, error)) (version, bool, error) {
	if revisionOf == nil || r.Dirty {
		return version{}, false, nil
	}
	type found struct {
		tag string
		v   version
	}
	var releases []found
	for _, t := range existing {
		if v, ok := parseRegistryTag(t); ok && v.sv.Prerelease() == "" {
			releases = append(releases, found{t, v})
		}
	}
	sort.Slice(releases, func(i, j int) bool { return releases[i].v.higher(releases[j].v) })
	for _, f := range releases[:min(len(releases), ReuseDepth)] {
		commit, err := revisionOf(f.tag)
		if err != nil {
			return version{}, false, fmt.Errorf("looking for a version of commit %s: %w", r.ShortCommit, err)
		}
		if commit == r.Commit {
			return f.v, true, nil
		}
	}
	return version{}, false, nil
}
