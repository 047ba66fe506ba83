package release

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// excludes are the ignore patterns go-git's Status does not read itself:
// the global excludes file and .git/info/exclude (go-git's guarded work
// tree filesystem refuses to open anything under .git). Later patterns
// take precedence, as git ranks them.
func excludes(repo *git.Repository, env func(string) string) []gitignore.Pattern {
	var ps []gitignore.Pattern
	if f, err := os.Open(globalExcludesFile(env)); err == nil {
		ps = append(ps, parsePatterns(f)...)
		f.Close()
	}
	if s, ok := repo.Storer.(*filesystem.Storage); ok {
		if f, err := s.Filesystem().Open(filepath.Join("info", "exclude")); err == nil {
			ps = append(ps, parsePatterns(f)...)
			f.Close()
		}
	}
	return ps
}

// globalExcludesFile finds the user's global excludes file as git does:
// core.excludesFile from $XDG_CONFIG_HOME/git/config or ~/.gitconfig (the
// latter winning), else $XDG_CONFIG_HOME/git/ignore, with XDG_CONFIG_HOME
// defaulting to ~/.config. "" when there is no HOME to look in.
func globalExcludesFile(env func(string) string) string {
	home, xdg := env("HOME"), env("XDG_CONFIG_HOME")
	if xdg == "" && home != "" {
		xdg = filepath.Join(home, ".config")
	}
	var file string
	for _, cfg := range []string{join(xdg, "git", "config"), join(home, ".gitconfig")} {
		if f := excludesFile(cfg); f != "" {
			file = f
		}
	}
	if file == "" {
		return join(xdg, "git", "ignore")
	}
	if rest, ok := strings.CutPrefix(file, "~/"); ok {
		return join(home, rest)
	}
	return file
}

// excludesFile is core.excludesFile in the git config file path, or "".
func excludesFile(path string) string {
	if path == "" {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	cfg := config.New()
	if err := config.NewDecoder(f).Decode(cfg); err != nil {
		return ""
	}
	return cfg.Section("core").Options.Get("excludesfile")
}

// parsePatterns reads an ignore file of the repository's root.
func parsePatterns(r io.Reader) []gitignore.Pattern {
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
			ps = append(ps, gitignore.ParsePattern(line, nil))
		}
	}
	return ps
}

// join is filepath.Join, but "" when dir is "" rather than a relative
// path.
func join(dir string, elem ...string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(append([]string{dir}, elem...)...)
}
