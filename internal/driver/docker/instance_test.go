package docker_test

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/docker"
	"github.com/berth-dev/berth/internal/testapp"
)

// startIn prepares app with res through d and starts one replica of
// image there, removed when the test ends.
func startIn(t *testing.T, d *docker.Driver, app string, res driver.AppResources, spec driver.ContainerSpec) driver.Instance {
	t.Helper()
	if err := d.Prepare(ctx(t), app, res); err != nil {
		t.Fatalf("Prepare(%s): %v", app, err)
	}
	spec.App = app
	if spec.Service == "" {
		spec.Service, spec.Set, spec.Port = "web", "blue", testapp.Port
	}
	inst, err := d.Start(ctx(t), spec)
	if inst.ID != "" {
		t.Cleanup(func() { _ = d.Remove(context.Background(), inst.ID) })
	}
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return inst
}

// checkSeesOnlyItsOwn checks that d lists own alone, for app and for
// every app, and that every call on other, which runs beside it, fails
// with driver.ErrNotFound and leaves it running.
func checkSeesOnlyItsOwn(t *testing.T, d *docker.Driver, app string, own, other driver.Instance) {
	t.Helper()
	for _, app := range []string{app, ""} {
		insts, err := d.List(ctx(t), app)
		if err != nil {
			t.Fatal(err)
		}
		if len(insts) != 1 || insts[0].ID != own.ID {
			t.Errorf("List(%q) = %v, want only its own %s", app, insts, own.Name)
		}
	}
	for name, call := range map[string]func() error{
		"Inspect":  func() error { _, err := d.Inspect(ctx(t), other.ID); return err },
		"Describe": func() error { _, err := d.Describe(ctx(t), other.ID); return err },
		"Logs":     func() error { return d.Logs(ctx(t), other.ID, driver.LogOptions{}, io.Discard) },
		"Stop":     func() error { return d.Stop(ctx(t), other.ID, time.Second) },
		"Remove":   func() error { return d.Remove(ctx(t), other.ID) },
	} {
		if err := call(); !errors.Is(err, driver.ErrNotFound) {
			t.Errorf("%s of the other's container %s = %v, want ErrNotFound", name, other.Name, err)
		}
	}
	out, err := exec.Command("docker", "inspect", "--format", "{{.State.Status}}", other.ID).Output()
	if err != nil || strings.TrimSpace(string(out)) != "running" {
		t.Errorf("the other's container %s after the calls: %q, %v; want it running", other.Name, out, err)
	}
}

// hostObject reports whether docker knows the network or volume name.
func hostObject(t testing.TB, kind, name string) bool {
	t.Helper()
	return exec.Command("docker", kind, "inspect", name).Run() == nil
}

// containerNetworks returns the names of the networks a container is
// on, as docker shows them.
func containerNetworks(t testing.TB, id string) []string {
	t.Helper()
	out, err := exec.Command("docker", "inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", id).Output()
	if err != nil {
		t.Fatalf("docker inspect %s: %v", id, err)
	}
	return strings.Fields(string(out))
}

// containerMounts returns the volume names a container mounts.
func containerMounts(t testing.TB, id string) []string {
	t.Helper()
	out, err := exec.Command("docker", "inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", id).Output()
	if err != nil {
		t.Fatalf("docker inspect %s: %v", id, err)
	}
	return strings.Fields(string(out))
}

func TestTwoInstancesOnOneDaemonNeverTouchEachOthersObjects(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	a := e.newDriver(t, docker.WithInstance("ia"+randomHex(t), false))
	b := e.newDriver(t, docker.WithInstance("ib"+randomHex(t), false))
	if err := a.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	const app = "shop"
	res := driver.AppResources{Networks: []driver.Network{{Name: "back"}}, Volumes: []driver.Volume{{Name: "data"}}}
	spec := driver.ContainerSpec{Image: image, Runtime: driver.Runtime{
		Networks: []driver.NetworkAttachment{{Name: driver.DefaultNetwork}, {Name: "back"}},
		Mounts:   []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data"}},
	}}
	t.Cleanup(func() {
		for _, d := range []*docker.Driver{a, b} {
			insts, _ := d.List(context.Background(), app)
			for _, i := range insts {
				_ = d.Remove(context.Background(), i.ID)
			}
			_ = d.Release(context.Background(), app, driver.ReleaseOptions{Volumes: true})
		}
	})
	inA := startIn(t, a, app, res, spec)
	inB := startIn(t, b, app, res, spec)

	netsA, netsB := containerNetworks(t, inA.ID), containerNetworks(t, inB.ID)
	volsA, volsB := containerMounts(t, inA.ID), containerMounts(t, inB.ID)
	if len(netsA) != 2 || len(volsA) != 1 {
		t.Fatalf("a's container is on %v with %v, want two networks and one volume", netsA, volsA)
	}
	for _, n := range netsA {
		if strings.Contains(strings.Join(netsB, " "), n) {
			t.Errorf("both instances' containers are on network %s", n)
		}
	}
	if volsA[0] == volsB[0] {
		t.Errorf("both instances' containers mount volume %s", volsA[0])
	}

	checkSeesOnlyItsOwn(t, a, app, inA, inB)
	checkSeesOnlyItsOwn(t, b, app, inB, inA)

	// a goes away entirely; b's app is untouched.
	if err := a.Remove(ctx(t), inA.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx(t), app, driver.ReleaseOptions{Volumes: true}); err != nil {
		t.Fatalf("Release of a's app while b's container runs: %v", err)
	}
	for _, n := range netsA {
		if hostObject(t, "network", n) {
			t.Errorf("a's network %s is left after its Release", n)
		}
	}
	if hostObject(t, "volume", volsA[0]) {
		t.Errorf("a's volume %s is left after its Release with volumes", volsA[0])
	}
	for _, n := range netsB {
		if !hostObject(t, "network", n) {
			t.Errorf("b's network %s is gone after a's Release", n)
		}
	}
	if !hostObject(t, "volume", volsB[0]) {
		t.Errorf("b's volume %s is gone after a's Release", volsB[0])
	}
	if got, err := b.Inspect(ctx(t), inB.ID); err != nil || !got.Running() {
		t.Errorf("b's container after a's Release: %+v, %v; want it running", got, err)
	}
}

func TestAdoptingDriverKeepsUsingWhatPredatesInstances(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	old := e.newDriver(t, docker.WithInstance("", false))
	if err := old.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	app := "dk-" + randomHex(t)
	res := driver.AppResources{Volumes: []driver.Volume{{Name: "data"}}}
	spec := driver.ContainerSpec{Image: image, Runtime: driver.Runtime{
		Mounts: []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data"}},
	}}
	// Made the old way: no instance label, the network berth-<app>.
	before := startIn(t, old, app, res, spec)
	if nets := containerNetworks(t, before.ID); len(nets) != 1 || nets[0] != "berth-"+app {
		t.Fatalf("the old container is on %v, want berth-%s", nets, app)
	}
	oldVolume := containerMounts(t, before.ID)[0]
	waitHealthy(t, before.Addr)
	put(t, before.Addr, "/fs?path=/data/f", "from before the upgrade")

	id := "up" + randomHex(t)
	adopting := e.newDriver(t, docker.WithInstance(id, true))
	strict := e.newDriver(t, docker.WithInstance(id, false))
	t.Cleanup(func() {
		insts, _ := adopting.List(context.Background(), app)
		for _, i := range insts {
			_ = adopting.Remove(context.Background(), i.ID)
		}
		_ = adopting.Release(context.Background(), app, driver.ReleaseOptions{Volumes: true})
	})

	if insts, err := strict.List(ctx(t), app); err != nil || len(insts) != 0 {
		t.Errorf("a driver that does not adopt lists %v, %v; want nothing", insts, err)
	}
	if _, err := strict.Inspect(ctx(t), before.ID); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("a driver that does not adopt inspects the old container: %v", err)
	}
	insts, err := adopting.List(ctx(t), app)
	if err != nil || len(insts) != 1 || insts[0].ID != before.ID || insts[0].Addr != before.Addr {
		t.Fatalf("the adopting driver lists %+v, %v; want the old container at %s", insts, err, before.Addr)
	}

	spec.Revision = 2
	after := startIn(t, adopting, app, res, spec)
	if nets := containerNetworks(t, after.ID); len(nets) != 1 || nets[0] != "berth-"+app {
		t.Errorf("the new container is on %v, want the old network berth-%s", nets, app)
	}
	if vols := containerMounts(t, after.ID); len(vols) != 1 || vols[0] != oldVolume {
		t.Errorf("the new container mounts %v, want the old volume %s", vols, oldVolume)
	}
	if got, err := adopting.Inspect(ctx(t), after.ID); err != nil || got.Labels[driver.LabelInstance] != id {
		t.Errorf("the new container: %+v, %v; want the label %s=%s", got.Labels, err, driver.LabelInstance, id)
	}
	waitHealthy(t, after.Addr)
	if got := fileContent(t, after.Addr, "/data/f"); got != "from before the upgrade" {
		t.Errorf("the new container reads %q from the volume, want what the old one wrote", got)
	}

	if err := adopting.Remove(ctx(t), before.ID); err != nil {
		t.Fatalf("removing the adopted container: %v", err)
	}
	if err := adopting.Remove(ctx(t), after.ID); err != nil {
		t.Fatal(err)
	}
	if err := adopting.Release(ctx(t), app, driver.ReleaseOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	if hostObject(t, "network", "berth-"+app) || hostObject(t, "volume", oldVolume) {
		t.Error("Release by the adopting driver left the old network or volume")
	}
}
