package release

import (
	"errors"
	"fmt"
	"testing"
)

func TestABumpReusesTheVersionOfItsCommit(t *testing.T) {
	r := newRepo(t)
	head := r.git("rev-parse", "HEAD")
	labels := map[string]string{"v1.1.0": head, "v1.0.0": "0123456789012345678901234567890123456789"}
	revisionOf := func(tag string) (string, error) { return labels[tag], nil }
	t.Run("a commit published as v1.1.0 gets v1.1.0 again", func(t *testing.T) {
		got := r.mustCompute(Options{Bump: "minor", RevisionOf: revisionOf}, "v1.0.0", "v1.1.0", "build-abc")
		if got.Tag != "v1.1.0" || got.Kind != KindReused {
			t.Errorf("got %s (%s), want v1.1.0 reused", got.Tag, got.Kind)
		}
	})
	t.Run("a commit not published bumps", func(t *testing.T) {
		delete(labels, "v1.1.0")
		if got := r.mustCompute(Options{Bump: "minor", RevisionOf: revisionOf}, "v1.0.0", "v1.1.0"); got.Tag != "v1.2.0" || got.Kind != KindBump {
			t.Errorf("got %s (%s), want v1.2.0 bumped", got.Tag, got.Kind)
		}
	})
	t.Run("only the highest versions are read", func(t *testing.T) {
		var existing []string
		read := 0
		for i := range 3 * ReuseDepth {
			existing = append(existing, fmt.Sprintf("v0.%d.0", i))
		}
		count := func(string) (string, error) { read++; return "", nil }
		if got := r.mustCompute(Options{Bump: "patch", RevisionOf: count}, existing...); got.Tag != fmt.Sprintf("v0.%d.1", 3*ReuseDepth-1) || read != ReuseDepth {
			t.Errorf("got %s after reading %d tags, want a bump after reading %d", got.Tag, read, ReuseDepth)
		}
	})
	t.Run("a registry that cannot say fails the bump", func(t *testing.T) {
		broken := errors.New("broken")
		_, err := r.compute(Options{Bump: "patch", RevisionOf: func(string) (string, error) { return "", broken }}, "v1.0.0")
		if !errors.Is(err, broken) {
			t.Errorf("err = %v, want the registry's", err)
		}
	})
	t.Run("a dirty work tree never reuses", func(t *testing.T) {
		labels["v1.1.0"] = head
		r.write("new.txt", "x")
		got := r.mustCompute(Options{Bump: "minor", AllowDirty: true, RevisionOf: revisionOf}, "v1.0.0", "v1.1.0")
		if got.Kind != KindBump {
			t.Errorf("got %s (%s), want a bump", got.Tag, got.Kind)
		}
	})
}
