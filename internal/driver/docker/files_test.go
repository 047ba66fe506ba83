package docker_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/docker"
)

// containerFiles returns the files directories of app's containers
// under files for instance.
func containerFiles(t testing.TB, files, instance, app string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(files, instance, app))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestAContainersFilesGoWithIt(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	d := e.newDriver(t)
	if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	files := []driver.File{{Target: "/run/secrets/a", Content: []byte("a"), Secret: true}}
	for _, tc := range []struct {
		name string
		// gone makes the container go, and says what notices.
		gone func(t *testing.T, app string, inst driver.Instance)
	}{
		{"Remove removes them", func(t *testing.T, _ string, inst driver.Instance) {
			if err := d.Remove(ctx(t), inst.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"List removes those of a container removed behind its back", func(t *testing.T, app string, inst driver.Instance) {
			if out, err := exec.Command("docker", "rm", "-f", inst.ID).CombinedOutput(); err != nil {
				t.Fatalf("docker rm: %v\n%s", err, out)
			}
			if got := containerFiles(t, e.files, e.instance, app); len(got) != 2 {
				t.Fatalf("files before List: %v, want the gone container's still there", got)
			}
			if _, err := d.List(ctx(t), app); err != nil {
				t.Fatal(err)
			}
		}},
		{"Prepare removes those of a container removed behind its back", func(t *testing.T, app string, inst driver.Instance) {
			if out, err := exec.Command("docker", "rm", "-f", inst.ID).CombinedOutput(); err != nil {
				t.Fatalf("docker rm: %v\n%s", err, out)
			}
			if err := d.Prepare(ctx(t), app, driver.AppResources{}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := "dk-" + randomHex(t)
			t.Cleanup(func() { _ = d.Release(context.Background(), app, driver.ReleaseOptions{}) })
			inst := startIn(t, d, app, driver.AppResources{}, driver.ContainerSpec{Image: image, Runtime: driver.Runtime{Files: files}})
			kept := startIn(t, d, app, driver.AppResources{}, driver.ContainerSpec{Image: image, Index: 1, Runtime: driver.Runtime{Files: files}})
			if got := containerFiles(t, e.files, e.instance, app); len(got) != 2 {
				t.Fatalf("files of two containers: %v", got)
			}
			tc.gone(t, app, inst)
			if got := containerFiles(t, e.files, e.instance, app); len(got) != 1 || got[0] != kept.Name {
				t.Fatalf("files left: %v, want only %s's", got, kept.Name)
			}
		})
	}
}

func TestFilesNeedAFilesDirectoryAndNumericOwners(t *testing.T) {
	e := newTestEnv(t)
	image := e.image(t, "v1")
	for _, tc := range []struct {
		name string
		opts []docker.Option
		file driver.File
		want string
	}{
		{"a driver without a files directory", []docker.Option{docker.WithFilesDir("")},
			driver.File{Target: "/run/secrets/a", Content: []byte("a")}, "WithFilesDir"},
		{"an owner by name", nil,
			driver.File{Target: "/run/secrets/a", Content: []byte("a"), UID: "www-data"}, "is not a number"},
		{"a relative target", nil,
			driver.File{Target: "a", Content: []byte("a")}, "not an absolute path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := e.newDriver(t, tc.opts...)
			if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
				t.Fatal(err)
			}
			app := "dk-" + randomHex(t)
			if err := d.Prepare(ctx(t), app, driver.AppResources{}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Release(context.Background(), app, driver.ReleaseOptions{}) })
			inst, err := d.Start(ctx(t), driver.ContainerSpec{App: app, Service: "web", Image: image, Runtime: driver.Runtime{Files: []driver.File{tc.file}}})
			if inst.ID != "" {
				t.Cleanup(func() { _ = d.Remove(context.Background(), inst.ID) })
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Start = %v, want an error saying %q", err, tc.want)
			}
			if insts, _ := d.List(ctx(t), app); len(insts) != 0 {
				t.Fatalf("a failed Start left %v", insts)
			}
			if got := containerFiles(t, e.files, e.instance, app); len(got) != 0 {
				t.Fatalf("a failed Start left files %v", got)
			}
		})
	}
}
