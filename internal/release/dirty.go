package release

import (
	"errors"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5"
)

// changes returns the work tree's changes as `git status --short` lines
// sorted by path; none means clean. Files that .gitignore,
// .git/info/exclude or the global excludes file (found through env)
// ignore are not changes unless they are tracked.
func changes(repo *git.Repository, env func(string) string) ([]string, error) {
	wt, err := repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return nil, fmt.Errorf("%w: a bare repository has no work tree to publish", ErrNotRepository)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the work tree: %w", err)
	}
	// go-git reads the .gitignore files itself and ranks Excludes above
	// them, which only matters to a "!" pattern in a .gitignore.
	wt.Excludes = append(wt.Excludes, excludes(repo, env)...)
	status, err := wt.Status()
	if err != nil {
		return nil, fmt.Errorf("reading the work tree status: %w", err)
	}
	paths := make([]string, 0, len(status))
	for path, fs := range status {
		if fs.Staging != git.Unmodified || fs.Worktree != git.Unmodified {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	lines := make([]string, len(paths))
	for i, p := range paths {
		fs := status[p]
		lines[i] = string([]byte{byte(fs.Staging), byte(fs.Worktree), ' '}) + p
	}
	return lines, nil
}
