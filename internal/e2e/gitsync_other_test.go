package e2e

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// TestGitSyncFollowsAnotherRegistry keeps an app's image policy on a
// registry that is not this berth's, which sends it no events: a sync
// (as the interval does) looks at its tags.
func TestGitSyncFollowsAnotherRegistry(t *testing.T) {
	bare := gitserver.Bare(t, nil)
	e := newGitEnv(t, bare, bare.Clone(t), gitSourceConfig(t, bare.URL, ""))
	other := startBerth(t, t.TempDir())
	// The apps go before the other registry's images, which they use.
	t.Cleanup(e.removeApps)
	e.repo = other.addr + "/e2e/other-" + e.run
	builder := testapp.NewBuilder(t.TempDir())
	builder.Build(t, other.addr, "e2e/other-"+e.run, "1.0.0")
	policy := "      update: {policy: semver, range: \"^1.0\"}\n"
	e.commit("on another registry", map[string]string{"o/compose.yaml": e.compose("o", "1.0.0", 1, policy)})
	e.sync(true)
	e.serves("o", "1.0.0")

	head := bare.Head(t)
	builder.Build(t, other.addr, "e2e/other-"+e.run, "1.1.0")
	e.sync(true)
	if bare.Head(t) == head {
		t.Fatal("a sync did not commit the tag pushed to the other registry")
	}
	if f, _ := bare.Show(t, "o/compose.yaml"); !strings.Contains(f, other.addr+"/e2e/other-"+e.run+":1.1.0@sha256:") {
		t.Fatalf("the file does not name 1.1.0 on the other registry:\n%s", f)
	}
	e.serves("o", "1.1.0")
}
