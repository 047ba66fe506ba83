package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// TestGitSyncImageAutomation pushes images that an app's semver policy
// accepts or not, and rolls back, over a file:// repository.
func TestGitSyncImageAutomation(t *testing.T) {
	bare := gitserver.Bare(t, nil)
	e := newGitEnv(t, bare, bare.Clone(t), gitSourceConfig(t, bare.URL, ""))
	builder := testapp.NewBuilder(t.TempDir())
	e.push(builder, "1.0.0")
	e.stage(builder, "1.1.0", "2.0.0", "1.2.0")
	policy := "      update: {policy: semver, range: \"^1.0\"}\n"
	e.commit("shop on 1.0.0", map[string]string{"shop/compose.yaml": e.compose("c", "1.0.0", 3, policy)})
	e.sync(true)
	e.serves("c", "1.0.0")

	t.Run("a tag the policy accepts is committed, then served", func(t *testing.T) {
		before := bare.Head(t)
		// Someone edits another file meanwhile: berth's commit goes on top.
		hand := e.commit("a note by hand", map[string]string{"NOTES.md": "by hand\n"})
		e.publish("1.1.0")
		e.eventually("berth commits 1.1.0", func() bool { return bare.Head(t) != hand })
		head := bare.Head(t)
		diff := bare.Diff(t, hand, head)
		var changed []string
		for l := range strings.Lines(diff) {
			if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
				changed = append(changed, strings.TrimSpace(l))
			}
		}
		if len(changed) != 2 || !strings.Contains(changed[0], ":1.0.0") || !strings.Contains(changed[1], ":1.1.0@sha256:") {
			t.Fatalf("berth's commit changes %q, want only the image line:\n%s", changed, diff)
		}
		if notes, ok := bare.Show(t, "NOTES.md"); !ok || notes != "by hand\n" {
			t.Fatalf("the commit by hand was lost: %q %v (history from %s)", notes, ok, before)
		}
		log := bare.Log(t, 1)[0]
		if !strings.Contains(log.Body, "1.0.0") || !strings.Contains(log.Body, "1.1.0") || !strings.Contains(log.Body, e.app("c")+"/web") {
			t.Errorf("commit message %q does not list app, service, old and new tag", log.Subject+"\n"+log.Body)
		}
		e.serves("c", "1.1.0")
	})
	t.Run("a tag outside the range changes nothing", func(t *testing.T) {
		head := bare.Head(t)
		revs := len(e.history("c"))
		e.publish("2.0.0")
		e.sync(true)
		if bare.Head(t) != head || len(e.history("c")) != revs {
			t.Fatalf("2.0.0 outside ^1.0 moved git or the app")
		}
		e.serves("c", "1.1.0")
	})
	t.Run("a rollback is written to git and sticks", func(t *testing.T) {
		head := bare.Head(t)
		if out, code := e.cli("rollback", e.app("c")); code != 0 {
			t.Fatalf("rollback: %s", out)
		}
		e.serves("c", "1.0.0")
		e.eventually("the rollback is committed", func() bool { return bare.Head(t) != head })
		log := bare.Log(t, 1)[0]
		if !strings.Contains(log.Subject, "Roll back") {
			t.Errorf("last commit %q is not the rollback", log.Subject)
		}
		file, _ := bare.Show(t, "shop/compose.yaml")
		if !strings.Contains(file, ":1.0.0@sha256:") {
			t.Fatalf("the file does not name 1.0.0 again:\n%s", file)
		}
		revs := len(e.history("c"))
		e.sync(true)
		// The same digest pushed again under another accepted tag.
		src, err := name.ParseReference(e.repo + ":1.1.0")
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Get(src)
		if err != nil {
			t.Fatal(err)
		}
		dst, err := name.NewTag(e.repo + ":1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Tag(dst, desc); err != nil {
			t.Fatal(err)
		}
		e.sync(true)
		if n := len(e.history("c")); n != revs {
			t.Fatalf("the rejected digest was applied again: %d revisions, had %d", n, revs)
		}
		e.serves("c", "1.0.0")
		e.publish("1.2.0")
		e.eventually("a newer accepted tag is committed", func() bool {
			f, _ := bare.Show(t, "shop/compose.yaml")
			return strings.Contains(f, ":1.2.0@")
		})
		e.serves("c", "1.2.0")
	})
	t.Run("killed between the commit and the rollout, berth applies it once on restart", func(t *testing.T) {
		e.b.kill()
		file, _ := bare.Show(t, "shop/compose.yaml")
		hand := e.commit("two replicas by hand", map[string]string{"shop/compose.yaml": strings.Replace(file, "replicas: 3", "replicas: 2", 1)})
		e.restart()
		e.sync(true)
		e.serves("c", "1.2.0")
		// What the killed berth left running goes once the host is checked.
		e.eventually("c runs 2 replicas", func() bool { return e.replicas("c") == 2 })
		e.sync(true)
		from := 0
		for _, r := range e.history("c") {
			if r.Source == "config@"+hand[:7] && r.Actor == "git:config" {
				from++
			}
		}
		if from != 1 {
			var h []string
			for _, r := range e.history("c") {
				h = append(h, fmt.Sprintf("%d %s %s %s %s", r.Number, r.Source, r.Actor, r.Outcome, r.Reason))
			}
			t.Fatalf("%d revisions came from commit %s, want 1:\n%s\nberth log:\n%s", from, hand[:7], strings.Join(h, "\n"), e.b.output())
		}
	})
}

// TestGitSyncFollowsATagsDigest keeps a service on whatever one moving
// tag points at, pinned by digest in git.
func TestGitSyncFollowsATagsDigest(t *testing.T) {
	bare := gitserver.Bare(t, nil)
	e := newGitEnv(t, bare, bare.Clone(t), gitSourceConfig(t, bare.URL, ""))
	builder := testapp.NewBuilder(t.TempDir())
	e.stage(builder, "v1", "v2")
	run(t, "docker", "tag", e.staged["v1"], e.repo+":main")
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", e.repo+":main").Run() })
	run(t, "docker", "push", "-q", e.repo+":main")
	e.commit("m follows main", map[string]string{"m/compose.yaml": e.compose("m", "main", 1, "      update: {policy: digest, tag: main}\n")})
	e.sync(true)
	e.serves("m", "v1")
	first, _ := bare.Show(t, "m/compose.yaml")

	run(t, "docker", "tag", e.staged["v2"], e.repo+":main")
	run(t, "docker", "push", "-q", e.repo+":main")
	e.eventually("the new digest of main is committed", func() bool {
		f, _ := bare.Show(t, "m/compose.yaml")
		return f != first && strings.Contains(f, ":main@sha256:")
	})
	e.serves("m", "v2")
}

// TestGitSyncKilledBetweenItsCommitAndTheRollout kills berth the moment
// the remote has taken its image update, before berth hears that the
// push landed: on restart the commit is applied, once.
func TestGitSyncKilledBetweenItsCommitAndTheRollout(t *testing.T) {
	bare := gitserver.Bare(t, nil)
	var onPush atomic.Pointer[func()]
	backend := bare.Handler(t, "deployer", "s3cret-pass")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		backend.ServeHTTP(w, r)
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack") {
			if kill := onPush.Swap(nil); kill != nil {
				(*kill)() // the push is in; its answer has not reached berth
			}
		}
	}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/" + bare.Name
	pass := filepath.Join(t.TempDir(), "git-password")
	if err := os.WriteFile(pass, []byte("s3cret-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newGitEnv(t, bare, bare.Clone(t), gitSourceConfig(t, url, "    auth: {username: deployer, password_file: "+pass+"}\n"))
	builder := testapp.NewBuilder(t.TempDir())
	e.push(builder, "1.0.0")
	e.stage(builder, "1.1.0")
	e.commit("k on 1.0.0", map[string]string{"k/compose.yaml": e.compose("k", "1.0.0", 1, "      update: {policy: semver, range: \"^1.0\"}\n")})
	e.sync(true)
	e.serves("k", "1.0.0")
	last := e.history("k")[0].Number

	kill := func() { e.b.kill() }
	onPush.Store(&kill)
	e.publish("1.1.0")
	select {
	case <-e.b.done:
	case <-time.After(time.Minute):
		t.Fatalf("berth pushed no image update within a minute:\n%s", e.b.output())
	}
	head := bare.Head(t)
	if f, _ := bare.Show(t, "k/compose.yaml"); !strings.Contains(f, ":1.1.0@sha256:") {
		t.Fatalf("the commit berth pushed does not name 1.1.0:\n%s", f)
	}
	for _, l := range strings.Fields(run(t, "docker", "ps", "-a", "--filter", "label=berth.app="+e.app("k"), "--format", `{{.Label "berth.revision"}}`)) {
		if n, _ := strconv.Atoi(l); n > last {
			t.Fatalf("berth started revision %d before it was killed: the test missed its window", n)
		}
	}
	e.restart()
	e.sync(true)
	e.serves("k", "1.1.0")
	e.sync(true)
	from := 0
	for _, r := range e.history("k") {
		if r.Source == "config@"+head[:7] && r.Actor == "git:config" {
			from++
		}
	}
	if from != 1 {
		t.Fatalf("%d revisions came from berth's commit %s, want 1", from, head[:7])
	}
}
