package docker_test

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/docker"
)

// envSpec is a replica of image that mounts the app's volume data at
// /data and has a secret at /run/secrets/token that reads token.
func envSpec(image, token string) driver.ContainerSpec {
	return driver.ContainerSpec{Image: image, Runtime: driver.Runtime{
		Mounts: []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data"}},
		Files:  []driver.File{{Target: "/run/secrets/token", Content: []byte(token), Secret: true}},
	}}
}

var envResources = driver.AppResources{Volumes: []driver.Volume{{Name: "data"}}}

// releaseAll removes app's containers through each driver and
// releases app with its volumes, when the test ends.
func releaseAll(t *testing.T, app string, drivers ...*docker.Driver) {
	t.Cleanup(func() {
		for _, d := range drivers {
			insts, _ := d.List(context.Background(), app)
			for _, i := range insts {
				_ = d.Remove(context.Background(), i.ID)
			}
			_ = d.Release(context.Background(), app, driver.ReleaseOptions{Volumes: true})
		}
	})
}

// hostLabel returns the label key of a container, network or volume
// as docker shows it.
func hostLabel(t testing.TB, kind, name, key string) string {
	t.Helper()
	format := `{{index .Labels "` + key + `"}}`
	if kind == "container" {
		format = `{{index .Config.Labels "` + key + `"}}`
	}
	out, err := exec.Command("docker", kind, "inspect", "--format", format, name).Output()
	if err != nil {
		t.Fatalf("docker %s inspect %s: %v", kind, name, err)
	}
	return strings.TrimSpace(string(out))
}

// secretOnHost reports whether the secret of the container name is in
// the files directory at dir (relative to the env's files directory).
func secretOnHost(t testing.TB, e *testEnv, dir, name string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(e.files, dir, name, "secret-0"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func TestNewRefusesABadEnvironmentName(t *testing.T) {
	for _, name := range []string{"-qa", "qa/eu", "qa eu", "env=qa", "../qa"} {
		if d, err := docker.New(slog.New(slog.DiscardHandler), docker.WithEnvironment(name, false)); err == nil {
			_ = d.Close()
			t.Errorf("New took the environment name %q", name)
		}
	}
}

func TestTwoEnvironmentsOfOneBerthNeverTouchEachOthersObjects(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	envs := []string{"integration", "production"}
	drivers := map[string]*docker.Driver{}
	for _, env := range envs {
		drivers[env] = e.newDriver(t, docker.WithEnvironment(env, false))
	}
	if err := drivers["production"].Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	const app = "shop"
	releaseAll(t, app, drivers["integration"], drivers["production"])

	insts := map[string]driver.Instance{}
	nets, vols := map[string]string{}, map[string]string{}
	for _, env := range envs {
		inst := startIn(t, drivers[env], app, envResources, envSpec(image, env))
		insts[env] = inst
		if re := regexp.MustCompile(`^berth-` + env + `-shop-web-blue-r0-0-[0-9a-f]{4}$`); !re.MatchString(inst.Name) {
			t.Errorf("%s's container is called %s, want %s", env, inst.Name, re)
		}
		n, v := containerNetworks(t, inst.ID), containerMounts(t, inst.ID)
		if len(n) != 1 || len(v) != 1 {
			t.Fatalf("%s's container is on %v with %v, want one network and one volume", env, n, v)
		}
		nets[env], vols[env] = n[0], v[0]
		prefix := "^berth-" + e.instance + "-" + env + "-shop-"
		if re := regexp.MustCompile(prefix + `default-[0-9a-f]{6}$`); !re.MatchString(n[0]) {
			t.Errorf("%s's default network is %s, want %s", env, n[0], re)
		}
		if re := regexp.MustCompile(prefix + `data-[0-9a-f]{6}$`); !re.MatchString(v[0]) {
			t.Errorf("%s's volume is %s, want %s", env, v[0], re)
		}
		for _, obj := range [][2]string{{"container", inst.ID}, {"network", n[0]}, {"volume", v[0]}} {
			if got := hostLabel(t, obj[0], obj[1], driver.LabelEnv); got != env {
				t.Errorf("%s's %s %s has %s=%q, want %q", env, obj[0], obj[1], driver.LabelEnv, got, env)
			}
		}
		if !secretOnHost(t, e, filepath.Join(e.instance, "env="+env, app), inst.Name) {
			t.Errorf("%s's secret is not in <files>/%s/env=%s/%s/%s", env, e.instance, env, app, inst.Name)
		}
		waitHealthy(t, inst.Addr)
		put(t, inst.Addr, "/fs?path=/data/f", "written in "+env)
	}
	if nets["integration"] == nets["production"] || vols["integration"] == vols["production"] {
		t.Fatalf("the environments share networks %v or volumes %v", nets, vols)
	}
	for _, env := range envs {
		if got := fileContent(t, insts[env].Addr, "/data/f"); got != "written in "+env {
			t.Errorf("%s reads %q from its volume", env, got)
		}
		if got := fileContent(t, insts[env].Addr, "/run/secrets/token"); got != env {
			t.Errorf("%s reads the secret %q", env, got)
		}
	}
	checkSeesOnlyItsOwn(t, drivers["integration"], app, insts["integration"], insts["production"])
	checkSeesOnlyItsOwn(t, drivers["production"], app, insts["production"], insts["integration"])

	// production goes away entirely; integration's app is untouched.
	prod := drivers["production"]
	if err := prod.Remove(ctx(t), insts["production"].ID); err != nil {
		t.Fatal(err)
	}
	if err := prod.Release(ctx(t), app, driver.ReleaseOptions{Volumes: true}); err != nil {
		t.Fatalf("Release of production's app while integration's container runs: %v", err)
	}
	if hostObject(t, "network", nets["production"]) || hostObject(t, "volume", vols["production"]) {
		t.Errorf("production's network or volume is left after its Release with volumes")
	}
	if !hostObject(t, "network", nets["integration"]) || !hostObject(t, "volume", vols["integration"]) {
		t.Errorf("integration's network or volume is gone after production's Release")
	}
	in := insts["integration"]
	if got, err := drivers["integration"].Inspect(ctx(t), in.ID); err != nil || !got.Running() {
		t.Errorf("integration's container after production's Release: %+v, %v; want it running", got, err)
	}
	if got := fileContent(t, in.Addr, "/data/f"); got != "written in integration" {
		t.Errorf("integration reads %q from its volume after production's Release", got)
	}
	if !secretOnHost(t, e, filepath.Join(e.instance, "env=integration", app), in.Name) {
		t.Error("integration's secret is gone after production's Release")
	}
}

func TestTheAdoptingEnvironmentKeepsWhatPredatesEnvironments(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	id := "up" + randomHex(t)
	for _, tc := range []struct {
		name string
		// old makes what predates environments; instance is the new
		// drivers' instance, adopt whether they adopt what has none.
		old      []docker.Option
		instance string
		adopt    bool
		app      string
	}{
		{"from before environments", nil, e.instance, false, "shop"},
		// Without an instance the old default network is berth-<app>,
		// the same for every berth on the host: the app's name is the
		// test's own.
		{"from before instances and environments", []docker.Option{docker.WithInstance("", false)}, id, true, "shop-" + randomHex(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := e.newDriver(t, tc.old...)
			if err := old.Pull(ctx(t), image, driver.PullMissing); err != nil {
				t.Fatal(err)
			}
			production := e.newDriver(t, docker.WithInstance(tc.instance, tc.adopt), docker.WithEnvironment("production", true))
			integration := e.newDriver(t, docker.WithInstance(tc.instance, tc.adopt), docker.WithEnvironment("integration", false))
			checkAdoption(t, e, tc.app, image, old, production, integration)
		})
	}
}

// checkAdoption checks that production, which adopts what predates
// environments, keeps the container old makes for app and its volume
// with its data, and that integration, which does not, sees none of it.
func checkAdoption(t *testing.T, e *testEnv, app, image string, old, production, integration *docker.Driver) {
	releaseAll(t, app, integration, production, old)
	before := startIn(t, old, app, envResources, envSpec(image, "from before"))
	oldNets, oldVols := containerNetworks(t, before.ID), containerMounts(t, before.ID)
	waitHealthy(t, before.Addr)
	put(t, before.Addr, "/fs?path=/data/f", "from before environments")
	oldFiles := filepath.Join(cmp.Or(before.Labels[driver.LabelInstance], "_"), app)
	if !secretOnHost(t, e, oldFiles, before.Name) {
		t.Fatalf("the old container's secret is not in <files>/%s/%s", oldFiles, before.Name)
	}

	if insts, err := integration.List(ctx(t), app); err != nil || len(insts) != 0 {
		t.Errorf("an environment that does not adopt lists %v, %v; want nothing", insts, err)
	}
	if _, err := integration.Inspect(ctx(t), before.ID); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("an environment that does not adopt inspects the old container: %v", err)
	}
	insts, err := production.List(ctx(t), app)
	if err != nil || len(insts) != 1 || insts[0].ID != before.ID || insts[0].Addr != before.Addr {
		t.Fatalf("the adopting environment lists %+v, %v; want the old container at %s", insts, err, before.Addr)
	}

	spec := envSpec(image, "production")
	spec.Revision = 2
	after := startIn(t, production, app, envResources, spec)
	if nets := containerNetworks(t, after.ID); !slices.Equal(nets, oldNets) {
		t.Errorf("the new container is on %v, want the old network %v", nets, oldNets)
	}
	if vols := containerMounts(t, after.ID); !slices.Equal(vols, oldVols) {
		t.Errorf("the new container mounts %v, want the old volume %v", vols, oldVols)
	}
	if got := hostLabel(t, "container", after.ID, driver.LabelEnv); got != "production" || !strings.HasPrefix(after.Name, "berth-production-"+app+"-") {
		t.Errorf("the new container %s has %s=%q, want production", after.Name, driver.LabelEnv, got)
	}
	waitHealthy(t, after.Addr)
	if got := fileContent(t, after.Addr, "/data/f"); got != "from before environments" {
		t.Errorf("the new container reads %q from the volume, want what the old one wrote", got)
	}
	newFiles := filepath.Join(after.Labels[driver.LabelInstance], "env=production", app)

	// Sweeping, by the adopting environment and by the driver without
	// one, keeps the files of every live container, wherever they are.
	for _, d := range []*docker.Driver{production, old} {
		if _, err := d.List(ctx(t), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := production.Prepare(ctx(t), app, envResources); err != nil {
		t.Fatal(err)
	}
	if !secretOnHost(t, e, oldFiles, before.Name) {
		t.Error("sweeping removed the secret of the adopted container")
	}
	if !secretOnHost(t, e, newFiles, after.Name) {
		t.Errorf("sweeping removed the secret of the adopting environment's container, in <files>/%s", newFiles)
	}
	if insts, err := old.List(ctx(t), app); err != nil || len(insts) != 1 || insts[0].ID != before.ID {
		t.Errorf("the driver without an environment lists %v, %v; want only the old container", insts, err)
	}

	// An environment that does not adopt makes its own.
	other := startIn(t, integration, app, envResources, envSpec(image, "integration"))
	if nets := containerNetworks(t, other.ID); slices.Equal(nets, oldNets) {
		t.Errorf("integration's container is on the old network %v", nets)
	}
	if vols := containerMounts(t, other.ID); slices.Equal(vols, oldVols) {
		t.Errorf("integration's container mounts the old volume %v", vols)
	}

	if err := production.Remove(ctx(t), before.ID); err != nil {
		t.Fatalf("removing the adopted container: %v", err)
	}
	if secretOnHost(t, e, oldFiles, before.Name) {
		t.Error("removing the adopted container left its secret")
	}
	if err := production.Remove(ctx(t), after.ID); err != nil {
		t.Fatal(err)
	}
	if err := production.Release(ctx(t), app, driver.ReleaseOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	if hostObject(t, "network", oldNets[0]) || hostObject(t, "volume", oldVols[0]) {
		t.Error("Release by the adopting environment left the old network or volume")
	}
	if got, err := integration.Inspect(ctx(t), other.ID); err != nil || !got.Running() {
		t.Errorf("integration's container after production's Release: %+v, %v; want it running", got, err)
	}
}
