package docker_test

import (
	"context"
	"errors"
	"os/exec"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/testapp"
)

// These tests check what is particular to Docker; drivertest checks
// what every driver does.

func TestStartConfiguresTheContainer(t *testing.T) {
	e := newTestEnv(t)
	d := e.newDriver(t)
	app := "dk-" + randomHex(t)
	if err := d.Prepare(ctx(t), app, driver.AppResources{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Release(context.Background(), app, driver.ReleaseOptions{}) })
	image := e.image(t, "v1")
	if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	inst, err := d.Start(ctx(t), driver.ContainerSpec{
		App: app, Service: "web", Revision: 3, Set: "blue", Index: 1,
		Image: image, Labels: map[string]string{"berth.app": "not-this", "berth.test": "1"},
		Port: testapp.Port, StopGrace: 2500 * time.Millisecond,
	})
	if inst.ID != "" {
		t.Cleanup(func() { _ = d.Remove(context.Background(), inst.ID) })
	}
	if err != nil {
		t.Fatal(err)
	}

	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.ContainerInspect(ctx(t), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	nameRE := regexp.MustCompile(`^/berth-` + app + `-web-blue-r3-1-[0-9a-f]{4}$`)
	ep := got.NetworkSettings.Networks["berth-"+app]
	for _, check := range []struct {
		name string
		ok   bool
	}{
		{"the name is berth-<app>-<service>-<set>-r<revision>-<index>-<hex>: " + got.Name, nameRE.MatchString(got.Name)},
		{"berth's labels win over the spec's", got.Config.Labels[driver.LabelApp] == app},
		{"the port is kept in a label", got.Config.Labels["berth.port"] == "8080"},
		{"the driver's own labels are added", got.Config.Labels["berth.test.run"] == e.labels["berth.test.run"]},
		{"the stop signal is SIGTERM", got.Config.StopSignal == "SIGTERM"},
		{"the stop timeout is the grace rounded up", got.Config.StopTimeout != nil && *got.Config.StopTimeout == 3},
		{"the restart policy is no", got.HostConfig.RestartPolicy.Name == "no"},
		{"no port is published", len(got.HostConfig.PortBindings) == 0},
		{"it is on the app's network only", len(got.NetworkSettings.Networks) == 1 && ep != nil},
		{"the service name is an alias on the app's network", ep != nil && slices.Contains(ep.Aliases, "web")},
		{"Addr is the IP on the app's network", ep != nil && inst.Addr == ep.IPAddress+":8080"},
	} {
		if !check.ok {
			t.Errorf("%s: no", check.name)
		}
	}
}

func TestStartWithoutPrepareFailsWithErrNotFound(t *testing.T) {
	e := newTestEnv(t)
	d := e.newDriver(t)
	image := e.image(t, "v1")
	if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	inst, err := d.Start(ctx(t), driver.ContainerSpec{App: "dk-" + randomHex(t), Service: "web", Set: "blue", Image: image})
	if inst.ID != "" {
		t.Cleanup(func() { _ = d.Remove(context.Background(), inst.ID) })
	}
	if !errors.Is(err, driver.ErrNotFound) || errors.Is(err, driver.ErrImage) {
		t.Fatalf("Start without the app's network = %v, want ErrNotFound", err)
	}
}

func TestPrepareRefusesANetworkBerthDidNotCreate(t *testing.T) {
	e := newTestEnv(t)
	d := e.newDriver(t)
	name := "berth-dk-" + randomHex(t)
	out, err := exec.Command("docker", "network", "create", "--label", "berth.test=1",
		"--label", "berth.test.run="+e.labels["berth.test.run"], name).CombinedOutput()
	if err != nil {
		t.Fatalf("docker network create: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "network", "rm", name).Run() })
	if err := d.Prepare(ctx(t), name[len("berth-"):], driver.AppResources{}); err == nil {
		t.Fatal("Prepare adopted a network berth did not create")
	}
}
