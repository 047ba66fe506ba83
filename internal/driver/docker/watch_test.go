package docker_test

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// TestWatchSaysWhichAppChangedOnTheHost stops and removes a replica with
// the docker CLI, as a person would, and expects Watch to name its app
// for each, and nothing for a container that is not berth's.
func TestWatchSaysWhichAppChangedOnTheHost(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	d := e.newDriver(t)
	app := "watch" + randomHex(t)[:6]
	image := e.image(t, "v1")
	if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the replica is removed.
	t.Cleanup(func() { _ = d.Release(context.Background(), app, driver.ReleaseOptions{}) })
	inst := startIn(t, d, app, driver.AppResources{}, driver.ContainerSpec{Revision: 1, Image: image})

	wctx, cancel := context.WithCancel(ctx(t))
	changed := make(chan string, 64)
	done := make(chan error, 1)
	go func() { done <- d.Watch(wctx, func(app string) { changed <- app }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	expect := func(what string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case got := <-changed:
				if got == app {
					return
				}
				if got != "" {
					t.Fatalf("Watch named %q after %s, want %q", got, what, app)
				}
			case <-deadline:
				t.Fatalf("Watch said nothing after %s", what)
			}
		}
	}
	// Events before the stream opened are not seen: restart the replica
	// until one is, then every later change must be.
	docker := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
	}
	giveUp := time.Now().Add(time.Minute)
	for opened := false; !opened; {
		docker("restart", "-t", "0", inst.ID)
		select {
		case got := <-changed:
			opened = got == app
		case <-time.After(2 * time.Second):
		}
		if time.Now().After(giveUp) {
			t.Fatal("Watch never said a thing")
		}
	}
	// The restart's last events may still be on their way.
	time.Sleep(time.Second)
	for len(changed) > 0 {
		<-changed
	}
	for _, step := range [][]string{{"stop", "-t", "1", inst.ID}, {"rm", "-f", inst.ID}} {
		docker(step...)
		expect("docker " + step[0])
	}
}
