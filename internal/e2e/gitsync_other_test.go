package e2e

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// TestGitSyncFollowsAnotherRegistry keeps two apps' image policy on a
// registry that is not this berth's, which sends it no events: a sync
// (as the interval does) looks at its tags, and both updates go in one
// commit.
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
	e.commit("on another registry", map[string]string{
		"o/compose.yaml": e.compose("o", "1.0.0", 1, policy),
		"p/compose.yaml": e.compose("p", "1.0.0", 1, policy),
	})
	e.sync(true)
	e.serves("o", "1.0.0")
	e.serves("p", "1.0.0")

	head := bare.Head(t)
	builder.Build(t, other.addr, "e2e/other-"+e.run, "1.1.0")
	e.sync(true)
	log := bare.Log(t, 0)
	if len(log) < 2 || log[1].Hash != head {
		t.Fatalf("a sync made %d commits for two images, want one (log %+v)", len(log)-1, log[:min(len(log), 3)])
	}
	if !strings.Contains(log[0].Subject, "Update 2 images") {
		t.Errorf("commit %q does not say it updates both", log[0].Subject)
	}
	for _, app := range []string{"o", "p"} {
		if f, _ := bare.Show(t, app+"/compose.yaml"); !strings.Contains(f, other.addr+"/e2e/other-"+e.run+":1.1.0@sha256:") {
			t.Fatalf("%s does not name 1.1.0 on the other registry:\n%s", app, f)
		}
		e.serves(app, "1.1.0")
	}
}
