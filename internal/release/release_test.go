package release

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCompute(t *testing.T) {
	t.Run("an untagged commit gets build- and its full hash", func(t *testing.T) {
		r := newRepo(t)
		sha := r.commit("second")
		got := r.mustCompute(Options{})
		want := Result{
			Tag: "build-" + sha, Version: "build-" + sha, Commit: sha, ShortCommit: sha[:7],
			Branch: "main", Created: time.Date(2024, 3, 5, 4, 7, 8, 0, time.UTC), Kind: KindBuild,
		}
		if got != want {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if !regexp.MustCompile(`^build-[0-9a-f]{40}$`).MatchString(got.Tag) {
			t.Errorf("tag %q is not build-<40 hex>", got.Tag)
		}
	})
	t.Run("a lightweight release tag on HEAD is the tag", func(t *testing.T) {
		r := newRepo(t)
		r.git("tag", "v1.2.3")
		got := r.mustCompute(Options{})
		if got.Tag != "v1.2.3" || got.Version != "1.2.3" || got.Kind != KindRelease {
			t.Errorf("got %+v, want tag v1.2.3, version 1.2.3, kind release", got)
		}
	})
	t.Run("an annotated tag is peeled to its commit", func(t *testing.T) {
		r := newRepo(t)
		r.git("tag", "-a", "v2.0.0", "-m", "two")
		if got := r.mustCompute(Options{}); got.Tag != "v2.0.0" {
			t.Errorf("tag = %q, want v2.0.0", got.Tag)
		}
	})
	t.Run("a tag of an annotated tag is peeled through both", func(t *testing.T) {
		r := newRepo(t)
		r.git("tag", "-a", "inner", "-m", "inner")
		r.git("tag", "-a", "v3.1.4", "-m", "outer", "inner")
		if got := r.mustCompute(Options{}); got.Tag != "v3.1.4" {
			t.Errorf("tag = %q, want v3.1.4", got.Tag)
		}
	})
	t.Run("of several release tags on HEAD the highest wins", func(t *testing.T) {
		r := newRepo(t)
		for _, tag := range []string{"v1.9.0", "v1.10.0-rc.1", "v1.10.0", "1.2.3", "v1"} {
			r.git("tag", tag)
		}
		if got := r.mustCompute(Options{}); got.Tag != "v1.10.0" {
			t.Errorf("tag = %q, want v1.10.0", got.Tag)
		}
	})
	t.Run("a pre-release tag is a release tag", func(t *testing.T) {
		r := newRepo(t)
		r.git("tag", "v2.0.0-rc.1")
		if got := r.mustCompute(Options{}); got.Tag != "v2.0.0-rc.1" || got.Version != "2.0.0-rc.1" {
			t.Errorf("got %+v, want v2.0.0-rc.1", got)
		}
	})
	t.Run("build metadata is written with _ in the tag and + in the version", func(t *testing.T) {
		r := newRepo(t)
		r.git("tag", "v1.2.3+linux.amd64")
		got := r.mustCompute(Options{})
		if got.Tag != "v1.2.3_linux.amd64" || got.Version != "1.2.3+linux.amd64" {
			t.Errorf("got tag %q version %q, want v1.2.3_linux.amd64 and 1.2.3+linux.amd64", got.Tag, got.Version)
		}
	})
	t.Run("a release tag on an older commit does not tag HEAD", func(t *testing.T) {
		r := newRepo(t)
		r.git("tag", "v1.0.0")
		sha := r.commit("after the release")
		if got := r.mustCompute(Options{}); got.Tag != "build-"+sha {
			t.Errorf("tag = %q, want build-%s", got.Tag, sha)
		}
	})
	t.Run("tags that are not versions are passed over", func(t *testing.T) {
		r := newRepo(t)
		for _, tag := range []string{"v1", "deployed", "release-2024", "x1.2.3"} {
			r.git("tag", tag)
		}
		if got := r.mustCompute(Options{}); got.Kind != KindBuild {
			t.Errorf("kind = %q, want build", got.Kind)
		}
	})
	t.Run("a subdirectory finds the repository above it", func(t *testing.T) {
		r := newRepo(t)
		r.write("app/main.go", "package main\n")
		sha := r.commit("app")
		got, err := Compute(filepath.Join(r.dir, "app"), Options{}, nil)
		if err != nil || got.Commit != sha {
			t.Errorf("Compute(app) = %+v, %v; want commit %s", got, err, sha)
		}
	})
}

func TestComputeRefusesBadReleaseTags(t *testing.T) {
	for _, tag := range []string{"v1.2", "v01.2.3", "1.2.3.4", "V1.2.3", "v1.2.3-", "2024.01.15"} {
		t.Run(tag, func(t *testing.T) {
			r := newRepo(t)
			r.git("tag", "v1.0.0")
			r.git("tag", tag)
			_, err := r.compute(Options{})
			if !errors.Is(err, ErrReleaseTag) || !strings.Contains(err.Error(), `"`+tag+`"`) {
				t.Errorf("err = %v, want ErrReleaseTag naming %q", err, tag)
			}
		})
	}
}

func TestComputeBump(t *testing.T) {
	t.Run("minor over v1.2.3 and v1.10.0 is v1.11.0", func(t *testing.T) {
		r := newRepo(t)
		got := r.mustCompute(Options{Bump: "minor"}, "v1.2.3", "v1.10.0", "build-abc", "latest")
		if got.Tag != "v1.11.0" || got.Version != "1.11.0" || got.Kind != KindBump {
			t.Errorf("got %+v, want v1.11.0 from a bump", got)
		}
	})
	t.Run("it wins over a release tag on HEAD", func(t *testing.T) {
		r := newRepo(t)
		r.git("tag", "v5.0.0")
		if got := r.mustCompute(Options{Bump: "patch"}, "v1.0.0"); got.Tag != "v1.0.1" {
			t.Errorf("tag = %q, want v1.0.1", got.Tag)
		}
	})
	t.Run("an unknown bump is refused before git is read", func(t *testing.T) {
		_, err := Compute(t.TempDir(), Options{Bump: "huge"}, nil)
		if !errors.Is(err, ErrBump) {
			t.Errorf("err = %v, want ErrBump", err)
		}
	})
}

func TestComputeRepositoryErrors(t *testing.T) {
	t.Run("a directory outside git is not a repository", func(t *testing.T) {
		_, err := Compute(t.TempDir(), Options{}, nil)
		if !errors.Is(err, ErrNotRepository) {
			t.Errorf("err = %v, want ErrNotRepository", err)
		}
	})
	t.Run("a repository without commits has nothing to publish", func(t *testing.T) {
		r := newRepo(t)
		empty := filepath.Join(r.dir, "empty")
		if err := os.Mkdir(empty, 0o755); err != nil {
			t.Fatal(err)
		}
		(&testRepo{tb: t, dir: empty, env: r.env}).git("init", "-q")
		_, err := Compute(empty, Options{}, nil)
		if !errors.Is(err, ErrNoCommits) {
			t.Errorf("err = %v, want ErrNoCommits", err)
		}
	})
}
