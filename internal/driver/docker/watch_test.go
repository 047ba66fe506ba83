package docker_test

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/docker"
)

// watchChanges runs d.Watch until the test ends and returns what it
// says.
func watchChanges(t *testing.T, d *docker.Driver) <-chan string {
	t.Helper()
	wctx, cancel := context.WithCancel(context.Background())
	changed := make(chan string, 64)
	done := make(chan error, 1)
	go func() { done <- d.Watch(wctx, func(app string) { changed <- app }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	return changed
}

// waitWatching restarts the container id of app until changed names
// app: events before the stream opened are not seen, every later one
// must be. It then lets the restart's last events arrive and drops
// them, from changed and from others.
func waitWatching(t *testing.T, changed <-chan string, id, app string, others ...<-chan string) {
	t.Helper()
	giveUp := time.Now().Add(time.Minute)
	for opened := false; !opened; {
		dockerCLI(t, "restart", "-t", "0", id)
		select {
		case got := <-changed:
			opened = got == app
		case <-time.After(2 * time.Second):
		}
		if time.Now().After(giveUp) {
			t.Fatal("Watch never said a thing")
		}
	}
	time.Sleep(time.Second)
	for _, c := range append(others, changed) {
		for len(c) > 0 {
			<-c
		}
	}
}

// expectChange waits until changed names app, failing on another app.
func expectChange(t *testing.T, changed <-chan string, app, what string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case got := <-changed:
			if got == app {
				return
			}
			t.Fatalf("Watch named %q after %s, want %q", got, what, app)
		case <-deadline:
			t.Fatalf("Watch said nothing after %s", what)
		}
	}
}

// dockerCLI runs the docker CLI, as a person would.
func dockerCLI(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		t.Fatalf("docker %v: %v\n%s", args, err, out)
	}
}

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

	changed := watchChanges(t, d)
	waitWatching(t, changed, inst.ID, app)
	for _, step := range [][]string{{"stop", "-t", "1", inst.ID}, {"rm", "-f", inst.ID}} {
		dockerCLI(t, step...)
		expectChange(t, changed, app, "docker "+step[0])
	}
}

// TestWatchSaysOnlyWhatChangedInItsEnvironment runs the same app in two
// environments and changes one's container and network by hand: only
// that environment's Watch says so.
func TestWatchSaysOnlyWhatChangedInItsEnvironment(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	image := e.image(t, "v1")
	integration := e.newDriver(t, docker.WithEnvironment("integration", false))
	production := e.newDriver(t, docker.WithEnvironment("production", false))
	if err := integration.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	const app = "shop"
	for _, d := range []*docker.Driver{integration, production} {
		t.Cleanup(func() { _ = d.Release(context.Background(), app, driver.ReleaseOptions{}) })
	}
	inI := startIn(t, integration, app, driver.AppResources{}, driver.ContainerSpec{Revision: 1, Image: image})
	inP := startIn(t, production, app, driver.AppResources{}, driver.ContainerSpec{Revision: 1, Image: image})
	network := containerNetworks(t, inI.ID)[0]

	changedI, changedP := watchChanges(t, integration), watchChanges(t, production)
	waitWatching(t, changedP, inP.ID, app, changedI)
	waitWatching(t, changedI, inI.ID, app)
	for _, step := range [][]string{{"stop", "-t", "1", inI.ID}, {"rm", "-f", inI.ID}, {"network", "rm", network}} {
		dockerCLI(t, step...)
		what := "docker " + step[0] + " " + step[1]
		expectChange(t, changedI, app, what)
		// Both streams carry the same events: once integration's has
		// had it, production's would have too. The step's other events
		// are dropped, so that the next step's are its own.
		time.Sleep(time.Second)
		if len(changedP) > 0 {
			t.Errorf("production's Watch named %q after %s in integration", <-changedP, what)
		}
		for len(changedI) > 0 {
			<-changedI
		}
	}
}
