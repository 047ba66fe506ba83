package release

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestComputeRefusesDirtyTrees(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *testRepo)
		want   []string
	}{
		{"a modified file", func(r *testRepo) { r.write("README", "changed\n") }, []string{" M README"}},
		{"an untracked file", func(r *testRepo) { r.write("new.txt", "x") }, []string{"?? new.txt"}},
		{"a staged file", func(r *testRepo) { r.write("staged.txt", "x"); r.git("add", "staged.txt") }, []string{"A  staged.txt"}},
		{"a deleted file", func(r *testRepo) { r.git("rm", "-q", "README") }, []string{"D  README"}},
		{"a modified file that .gitignore matches but git tracks", func(r *testRepo) {
			r.write(".gitignore", "README\n")
			r.commit("ignore README")
			r.write("README", "changed\n")
		}, []string{" M README"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			tt.change(r)
			_, err := r.compute(Options{})
			var dirty *DirtyError
			if !errors.As(err, &dirty) || !errors.Is(err, ErrDirty) {
				t.Fatalf("err = %v, want a *DirtyError", err)
			}
			if !slices.Equal(dirty.Changes, tt.want) {
				t.Errorf("changes = %q, want %q", dirty.Changes, tt.want)
			}
			if msg := err.Error(); !strings.Contains(msg, "--allow-dirty") || !strings.Contains(msg, tt.want[0]) {
				t.Errorf("message %q should name %q and --allow-dirty", msg, tt.want[0])
			}
		})
	}
}

func TestComputeIgnoresIgnoredFiles(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write(".gitignore", "*.log\nbuild/\n")
	r.write("sub/.gitignore", "secret.env\n")
	r.commit("ignores")
	r.write("debug.log", "x")
	r.write("build/out/app", "x")
	r.write("sub/secret.env", "x")
	r.write("excluded.tmp", "x")
	r.write(".git/info/exclude", "*.tmp\n")
	r.write("home/.gitconfig", "[core]\n\texcludesFile = ~/global-ignore\n")
	r.write("home/global-ignore", ".idea/\n")
	r.write(".idea/workspace.xml", "x")
	r.write("xdg/git/ignore", ".DS_Store\n")
	r.write(".DS_Store", "x")

	res, err := r.compute(Options{Env: envOf(map[string]string{"HOME": filepath.Join(r.dir, "home")})})
	var dirty *DirtyError
	if !errors.As(err, &dirty) || !slices.Equal(dirty.Changes, []string{"?? .DS_Store", "?? home/.gitconfig", "?? home/global-ignore", "?? xdg/git/ignore"}) {
		t.Fatalf("Compute = %+v, %v; want only .DS_Store and the config files untracked", res, err)
	}

	r.write(".git/info/exclude", "*.tmp\nhome/\nxdg/\n")
	env := envOf(map[string]string{"HOME": filepath.Join(r.dir, "home"), "XDG_CONFIG_HOME": filepath.Join(r.dir, "xdg")})
	if _, err := r.compute(Options{Env: env}); !errors.As(err, &dirty) || !slices.Equal(dirty.Changes, []string{"?? .DS_Store"}) {
		t.Errorf("with the XDG config home: err = %v, want .DS_Store untracked (excludesFile beats git/ignore)", err)
	}
	if err := os.Remove(filepath.Join(r.dir, "home/.gitconfig")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.compute(Options{Env: env}); !errors.As(err, &dirty) || !slices.Equal(dirty.Changes, []string{"?? .idea/workspace.xml"}) {
		t.Errorf("without core.excludesFile: err = %v, want .idea untracked (git/ignore is the global file)", err)
	}
	r.write("xdg/git/ignore", ".DS_Store\n.idea/\n")
	if res, err := r.compute(Options{Env: env}); err != nil || res.Dirty {
		t.Errorf("Compute = %+v, %v; want a clean tree with every file ignored", res, err)
	}
}

func TestDirtyErrorListsTenChanges(t *testing.T) {
	var changes []string
	for i := range 13 {
		changes = append(changes, fmt.Sprintf("?? f%02d", i))
	}
	msg := (&DirtyError{Changes: changes}).Error()
	if !strings.Contains(msg, "f09") || strings.Contains(msg, "f10") || !strings.Contains(msg, "and 3 more") {
		t.Errorf("message %q should list f00..f09 and say 3 more", msg)
	}
}

func TestComputeAllowDirty(t *testing.T) {
	tests := []struct {
		name     string
		tag      string
		opts     Options
		existing []string
		want     string
		version  string
	}{
		{"a build tag gets -dirty", "", Options{AllowDirty: true, Format: "b-{shortsha}"}, nil, "b-SHORT-dirty", "b-SHORT-dirty"},
		{"a release tag gets the pre-release dirty", "v1.2.3", Options{AllowDirty: true}, nil, "v1.2.3-dirty", "1.2.3-dirty"},
		{"a pre-release gets .dirty", "v1.2.3-rc.1", Options{AllowDirty: true}, nil, "v1.2.3-rc.1.dirty", "1.2.3-rc.1.dirty"},
		{"dirty goes before build metadata", "1.2.3+m", Options{AllowDirty: true}, nil, "1.2.3-dirty_m", "1.2.3-dirty+m"},
		{"a bump gets the pre-release dirty", "", Options{AllowDirty: true, Bump: "minor"}, []string{"v1.2.3", "v1.10.0"}, "v1.11.0-dirty", "1.11.0-dirty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			if tt.tag != "" {
				r.git("tag", tt.tag)
			}
			r.write("README", "changed\n")
			got := r.mustCompute(tt.opts, tt.existing...)
			want := strings.ReplaceAll(tt.want, "SHORT", got.ShortCommit)
			if got.Tag != want || got.Version != strings.ReplaceAll(tt.version, "SHORT", got.ShortCommit) || !got.Dirty {
				t.Errorf("got tag %q version %q dirty %v, want %q, %q, true", got.Tag, got.Version, got.Dirty, want, tt.version)
			}
		})
	}
}
