package docker_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/docker"
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
	netName := string(got.HostConfig.NetworkMode)
	netRE := regexp.MustCompile(`^berth-` + e.instance + `-` + app + `-default-[0-9a-f]{6}$`)
	ep := got.NetworkSettings.Networks[netName]
	for _, check := range []struct {
		name string
		ok   bool
	}{
		{"the name is berth-<app>-<service>-<set>-r<revision>-<index>-<hex>: " + got.Name, nameRE.MatchString(got.Name)},
		{"berth's labels win over the spec's", got.Config.Labels[driver.LabelApp] == app},
		{"the port is kept in a label", got.Config.Labels["berth.port"] == "8080"},
		{"the driver's own labels are added", got.Config.Labels["berth.test.run"] == e.labels["berth.test.run"]},
		{"the instance label is set", got.Config.Labels[driver.LabelInstance] == e.instance},
		{"the default network is berth-<instance>-<app>-default-<hash>: " + netName, netRE.MatchString(netName)},
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

func TestPrepareRefusesANetworkThatIsNotItsOwn(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct {
		name   string
		labels func(app string) []string
		// legacy makes the driver one without an instance, whose
		// default network is berth-<app>.
		legacy bool
	}{
		{"a default network berth did not create", nil, true},
		{"a network of the fixed name berth did not create", nil, false},
		{"another app's network", func(string) []string {
			return []string{"berth.managed=1", "berth.app=other", "berth.network=net", "berth.instance=" + e.instance}
		}, false},
		{"another instance's network", func(app string) []string {
			return []string{"berth.managed=1", "berth.app=" + app, "berth.network=net", "berth.instance=other"}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := "dk-" + randomHex(t)
			name := "berth-" + app
			d := e.newDriver(t)
			res := driver.AppResources{Networks: []driver.Network{{Name: "net", FixedName: name}}}
			if tc.legacy {
				d = e.newDriver(t, docker.WithInstance("", false))
				res = driver.AppResources{}
			}
			args := []string{"network", "create", "--label", "berth.test=1", "--label", "berth.test.run=" + e.labels["berth.test.run"]}
			if tc.labels != nil {
				for _, l := range tc.labels(app) {
					args = append(args, "--label", l)
				}
			}
			if out, err := exec.Command("docker", append(args, name)...).CombinedOutput(); err != nil {
				t.Fatalf("docker network create: %v\n%s", err, out)
			}
			t.Cleanup(func() {
				_ = d.Release(context.Background(), app, driver.ReleaseOptions{})
				_ = exec.Command("docker", "network", "rm", name).Run()
			})
			err := d.Prepare(ctx(t), app, res)
			if err == nil || !strings.Contains(err.Error(), "is not berth's network") {
				t.Fatalf("Prepare = %v, want it to refuse %s", err, name)
			}
		})
	}
}

func TestExternalNetworksAndVolumesAreJoinedNeverMadeOrRemoved(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	d := e.newDriver(t)
	if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	net, vol := "dk-ext-"+randomHex(t), "dk-ext-"+randomHex(t)
	label := []string{"--label", "berth.test=1", "--label", "berth.test.run=" + e.labels["berth.test.run"]}
	for _, args := range [][]string{append([]string{"network", "create"}, append(label, net)...), append([]string{"volume", "create"}, append(label, vol)...)} {
		if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() {
		_ = exec.Command("docker", "network", "rm", net).Run()
		_ = exec.Command("docker", "volume", "rm", vol).Run()
	})
	app := "dk-" + randomHex(t)
	res := driver.AppResources{
		Networks: []driver.Network{{Name: "shared", External: net}},
		Volumes:  []driver.Volume{{Name: "store", External: vol}},
	}
	spec := driver.ContainerSpec{Image: image, Runtime: driver.Runtime{
		Networks: []driver.NetworkAttachment{{Name: driver.DefaultNetwork}, {Name: "shared", Aliases: []string{"api"}}},
		Mounts:   []driver.Mount{{Type: driver.MountVolume, Source: "store", Target: "/store"}},
	}}
	inst := startIn(t, d, app, res, spec)
	got, err := d.Describe(ctx(t), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := spec.Runtime.Normalized()
	if fmt.Sprint(got.Networks, got.Mounts) != fmt.Sprint(want.Networks, want.Mounts) {
		t.Errorf("Describe = %+v %+v, want the spec's names %+v %+v", got.Networks, got.Mounts, want.Networks, want.Mounts)
	}
	if err := d.Remove(ctx(t), inst.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.Release(ctx(t), app, driver.ReleaseOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	if !hostObject(t, "network", net) || !hostObject(t, "volume", vol) {
		t.Fatal("Release removed an external network or volume")
	}
}

func TestDockerRefusesWhatOneHostCannotApply(t *testing.T) {
	e := newTestEnv(t)
	d := e.newDriver(t)
	for _, key := range []string{
		"deploy.placement", "deploy.placement.constraints", "deploy.placement.preferences", "deploy.endpoint_mode",
		"deploy.labels", "deploy.resources.reservations.generic_resources",
		"deploy.restart_policy.delay", "deploy.restart_policy.window",
	} {
		if why := d.Refuses(key); !strings.Contains(why, "docker") || !strings.Contains(why, key) {
			t.Errorf("Refuses(%q) = %q, want a reason naming the docker driver and the key", key, why)
		}
	}
	for _, key := range []string{"user", "volumes", "ports", "deploy.resources.limits.memory", "deploy.resources.reservations.cpus", "deploy.restart_policy"} {
		if why := d.Refuses(key); why != "" {
			t.Errorf("Refuses(%q) = %q, want it applied", key, why)
		}
	}
}

func TestADiscardedSettingFailsStart(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	d := e.newDriver(t)
	if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	app := "dk-" + randomHex(t)
	if err := d.Prepare(ctx(t), app, driver.AppResources{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Release(context.Background(), app, driver.ReleaseOptions{}) })
	// A block I/O weight needs the kernel's BFQ scheduler: where the
	// daemon discards it, Start fails; where it applies it, Describe
	// says so. It is never silently left out.
	spec := driver.ContainerSpec{App: app, Service: "web", Image: image, Runtime: driver.Runtime{
		Resources: driver.Resources{Blkio: &driver.Blkio{Weight: 300}},
	}}
	inst, err := d.Start(ctx(t), spec)
	if inst.ID != "" {
		t.Cleanup(func() { _ = d.Remove(context.Background(), inst.ID) })
	}
	if err != nil {
		if !strings.Contains(err.Error(), "would not apply every setting") || !strings.Contains(err.Error(), "discarded") {
			t.Fatalf("Start = %v, want the daemon's warning that it discarded the weight", err)
		}
		if insts, _ := d.List(ctx(t), app); len(insts) != 0 {
			t.Fatalf("a refused Start left %v", insts)
		}
		return
	}
	got, err := d.Describe(ctx(t), inst.ID)
	if err != nil || got.Resources.Blkio == nil || got.Resources.Blkio.Weight != 300 {
		t.Fatalf("Describe = %+v, %v; want the weight applied", got.Resources.Blkio, err)
	}
}
