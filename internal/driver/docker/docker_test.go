package docker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/docker"
	"github.com/berth-dev/berth/internal/driver/drivertest"
	"github.com/berth-dev/berth/internal/testapp"
)

// Built once for the whole test binary in TestMain.
var (
	berthBin string
	builder  *testapp.Builder
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "berth-docker-driver-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	berthBin, err = testapp.BuildBerth(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	builder = testapp.NewBuilder(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// testEnv is a registry with the test app, labels that mark what one
// test creates, and the instance and files directory of its drivers.
type testEnv struct {
	registry *testapp.Registry
	labels   map[string]string
	instance string
	files    string
}

// newTestEnv starts berth's registry and checks, when the test ends,
// that nothing carrying the test's labels is left on the host, nor
// any file of a container.
func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	testapp.RequireDocker(t)
	run := randomHex(t)
	e := &testEnv{
		labels:   map[string]string{"berth.test": "1", "berth.test.run": run},
		instance: "t" + run,
		files:    filepath.Join(t.TempDir(), "files"),
	}
	t.Cleanup(func() {
		checkNothingLeft(t, run)
		checkNoFiles(t, e.files)
	})
	e.registry = testapp.ServeRegistry(t, berthBin)
	return e
}

func (e *testEnv) image(t testing.TB, version string) string {
	t.Helper()
	return builder.Build(t, e.registry.Addr, "drivertest/app-"+randomHex(t), version)
}

// newDriver returns a driver of the env's instance, with its files
// directory; opts come after and may change either.
func (e *testEnv) newDriver(t *testing.T, opts ...docker.Option) *docker.Driver {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts = append([]docker.Option{docker.WithLabels(e.labels), docker.WithInstance(e.instance, false), docker.WithFilesDir(e.files)}, opts...)
	d, err := docker.New(log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// testWriter sends the driver's log to the test's.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// checkNothingLeft fails the test if containers, networks or volumes
// of run are still on the host, and removes them.
func checkNothingLeft(t testing.TB, run string) {
	filter := "label=berth.test.run=" + run
	for _, kind := range []struct{ list, remove []string }{
		{[]string{"ps", "-aq", "--filter", filter}, []string{"rm", "-f"}},
		{[]string{"network", "ls", "-q", "--filter", filter}, []string{"network", "rm"}},
		{[]string{"volume", "ls", "-q", "--filter", filter}, []string{"volume", "rm", "-f"}},
	} {
		out, err := exec.Command("docker", kind.list...).CombinedOutput()
		if err != nil {
			t.Errorf("docker %s: %v\n%s", strings.Join(kind.list, " "), err, out)
			continue
		}
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			t.Errorf("left on the host: docker %s: %s", strings.Join(kind.list, " "), ids)
			_ = exec.Command("docker", append(kind.remove, ids...)...).Run()
		}
	}
}

// checkNoFiles fails the test if a container's files are left under
// dir.
func checkNoFiles(t testing.TB, dir string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left on the host: %s", path)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

func TestConformance(t *testing.T) {
	e := newTestEnv(t)
	run := e.labels["berth.test.run"]
	parent := "/berth-test-" + run
	t.Cleanup(func() { removeCgroups(t, parent) })
	env := drivertest.Env{
		Image:            e.image,
		ManifestRequests: e.registry.ManifestRequests,
		Labels:           e.labels,
		HostDir:          func(t testing.TB) string { return t.TempDir() },
		BlockDevice:      blockDevice(t),
		CgroupParent:     parent,
		OCIRuntime:       otherRuntime(t),
	}
	for _, tc := range []struct {
		name string
		opts []docker.Option
	}{
		{"without an environment", nil},
		{"in an environment", []docker.Option{docker.WithEnvironment("production", false)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			begin := time.Now()
			drivertest.Run(t, func(t *testing.T) driver.Driver { return e.newDriver(t, tc.opts...) }, env)
			t.Cleanup(func() { t.Logf("the suite took %s", time.Since(begin).Round(time.Millisecond)) })
		})
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}
