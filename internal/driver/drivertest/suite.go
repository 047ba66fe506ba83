package drivertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/testapp"
)

// Env is what the suite needs from the host a driver runs on.
type Env struct {
	// Image returns a reference, pinned by digest, to an image of the
	// test app (internal/testapp/app) whose VERSION defaults to version,
	// in a registry the driver pulls from. Each call returns an image
	// the host does not have yet.
	Image func(t testing.TB, version string) string
	// ManifestRequests, if set, counts the GET and HEAD requests the
	// registry has served for the manifests of ref's repository; the
	// suite then checks that PullMissing does not pull what the host has.
	ManifestRequests func(ref string) int
	// Labels go on every container the suite starts; they include what
	// marks test objects (berth.test=1). newDriver must make the driver
	// put them on everything else it creates (networks, volumes).
	Labels map[string]string

	// What the host the containers run on has, for the keys that need
	// it. Each is required of a driver that applies the key, and unused
	// for one that refuses it.
	//
	// HostDir returns a new directory on that host, which the test
	// reads too, for bind mounts. BlockDevice is one of its block
	// devices (such as /dev/vda), for block I/O limits. CgroupParent is
	// a cgroup containers may be made under other than the runtime's
	// default. OCIRuntime is an OCI runtime it has other than its
	// default.
	HostDir      func(t testing.TB) string
	BlockDevice  string
	CgroupParent string
	OCIRuntime   string
}

// timeout bounds each driver call the suite makes.
const timeout = 2 * time.Minute

// suite is what every test shares: the driver maker, the environment
// and an image of the app at version v1 that the host has pulled.
type suite struct {
	newDriver func(t *testing.T) driver.Driver
	env       Env
	image     string
}

// Run runs the conformance suite against the drivers newDriver makes.
// Every container, network and volume it creates is removed when it
// ends, whether it passes or not.
func Run(t *testing.T, newDriver func(t *testing.T) driver.Driver, env Env) {
	if env.Image == nil {
		t.Fatal("drivertest: Env.Image is required")
	}
	s := &suite{newDriver: newDriver, env: env, image: env.Image(t, "v1")}
	if err := newDriver(t).Pull(ctx(t), s.image, driver.PullMissing); err != nil {
		t.Fatalf("pulling the test image: %v", err)
	}
	for _, tc := range []struct {
		name string
		test func(*testing.T, *suite)
	}{
		{"Prepare and Release are idempotent", testPrepareReleaseIdempotent},
		{"Release fails while a container of the app is left", testReleaseInUse},
		{"Pull with policy never fails with ErrImage when the host lacks the image", testPullNever},
		{"Pull with policy missing pulls only when the host lacks the image", testPullMissing},
		{"Pull of a tag the registry lacks fails with ErrImage", testPullUnknownTag},
		{"Pull of a digest the registry lacks fails with ErrImage", testPullUnknownDigest},
		{"Start of an image the host lacks fails with ErrImage and leaves no container", testStartWithoutImage},
		{"Start of a command that cannot run fails and leaves no container", testStartFailure},
		{"Start returns a running instance whose address answers with the version", testStartAnswers},
		{"Env, entrypoint and command reach the container", testStartConfig},
		{"Labels round-trip through List and Inspect", testLabelsRoundTrip},
		{"List filters by app", testListFiltersByApp},
		{"Stop lets an in-flight request finish and the container exits 0", testStopGraceful},
		{"Stop kills a container that outlives the grace", testStopKills},
		{"Remove deletes a running container", testRemoveRunning},
		{"Operations on a missing container fail with ErrNotFound", testMissingContainer},
		{"Logs return the app's start line", testLogs},
		{"Following logs ends when the container stops", testLogsFollow},
		{"Health follows the container's healthcheck", testHealth},
		{"Each container setting is applied, described and seen inside, or refused by name", testRuntime},
		{"The cluster-only keys are applied or refused with a reason naming the driver", testClusterKeys},
		{"A volume's data outlives its containers and a release, until the volumes are released", testVolumeData},
		{"Prepare fails with ErrNotFound for an external network or volume the host lacks", testExternalMissing},
		{"Prepare takes more networks and volumes on a second call", testPrepareMore},
		{"A routed container off the default network is reached on its first network", testRouteOffDefault},
		{"A run reaches the host's loopback by a name of its hosts and passes with exit 0", testRunPasses},
		{"A run that exits non-zero returns its code and output", testRunFails},
		{"A run is killed when its context ends, and is never listed", testRunTimeout},
		{"A run of an image the host lacks under pull policy never fails with ErrImage", testRunImageMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, s)
		})
	}
}

// ctx returns a context for one driver call, ended with the test.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return c
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newApp prepares a fresh app and removes its containers and network
// when the test ends.
func newApp(t *testing.T, d driver.Driver) string {
	t.Helper()
	return newAppWith(t, d, driver.AppResources{})
}

// removeApp removes everything of app through the driver.
func removeApp(t testing.TB, d driver.Driver, app string, opts driver.ReleaseOptions) {
	c, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	insts, err := d.List(c, app)
	if err != nil {
		t.Errorf("cleaning up: List(%s): %v", app, err)
	}
	for _, inst := range insts {
		if err := d.Remove(c, inst.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
			t.Errorf("cleaning up: Remove(%s): %v", inst.Name, err)
		}
	}
	if err := d.Release(c, app, opts); err != nil {
		t.Errorf("cleaning up: Release(%s): %v", app, err)
	}
}

// spec returns a replica of the test app at s.image for app.
func (s *suite) spec(app string) driver.ContainerSpec {
	return driver.ContainerSpec{
		App: app, Service: "web", Revision: 1, Set: "blue", Index: 0,
		Image: s.image, PullPolicy: driver.PullMissing,
		Labels:    maps.Clone(s.env.Labels),
		Port:      testapp.Port,
		StopGrace: 10 * time.Second,
	}
}

// start starts spec and removes the container when the test ends.
func start(t *testing.T, d driver.Driver, spec driver.ContainerSpec) driver.Instance {
	t.Helper()
	inst, err := d.Start(ctx(t), spec)
	removeLater(t, d, inst)
	if err != nil {
		t.Fatalf("Start(%s/%s): %v", spec.App, spec.Service, err)
	}
	return inst
}

// removeLater removes inst, if Start made one, when the test ends.
func removeLater(t testing.TB, d driver.Driver, inst driver.Instance) {
	if inst.ID == "" {
		return
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := d.Remove(c, inst.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
			t.Errorf("cleaning up: Remove(%s): %v", inst.Name, err)
		}
	})
}

// eventually polls check every 100ms until it returns nil or wait has
// passed, then fails the test with its last error.
func eventually(t testing.TB, wait time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", wait, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
