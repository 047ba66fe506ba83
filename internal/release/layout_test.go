package release

import (
	"path/filepath"
	"testing"
)

func TestComputeRepositoryLayouts(t *testing.T) {
	t.Run("a shallow clone has what it needs", func(t *testing.T) {
		t.Parallel()
		src := newRepo(t)
		src.git("tag", "v1.0.0")
		sha := src.commit("two")
		clone := filepath.Join(t.TempDir(), "clone")
		src.git("clone", "-q", "--depth", "1", "file://"+src.dir, clone)
		r := &testRepo{tb: t, dir: clone, env: src.env}
		r.git("tag", "deployed") // a tag, so that {version} walks to the missing parent
		got := r.mustCompute(Options{Format: "{version}-{sha}"})
		if want := "0.0.0-" + sha; got.Tag != want || got.Source != "" {
			t.Errorf("got tag %q source %q, want %q and no source (a local origin)", got.Tag, got.Source, want)
		}
	})
	t.Run("a linked work tree reads its own HEAD and the shared tags", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("branch", "other")
		wt := filepath.Join(t.TempDir(), "wt")
		r.git("worktree", "add", "-q", wt, "other")
		linked := &testRepo{tb: t, dir: wt, env: r.env}
		linked.write("x.txt", "x")
		linked.commit("in the linked tree")
		linked.git("tag", "v4.0.0")
		got := linked.mustCompute(Options{})
		if got.Tag != "v4.0.0" || got.Branch != "other" || got.Dirty {
			t.Errorf("got %+v, want v4.0.0 on branch other, clean", got)
		}
		if got := r.mustCompute(Options{}); got.Kind != KindBuild || got.Branch != "main" {
			t.Errorf("main work tree: got %+v, want a build of main", got)
		}
	})
}
