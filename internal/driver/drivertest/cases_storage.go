package drivertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// dataVolume is an app with the one volume "data".
func dataVolume(*testing.T, *suite) driver.AppResources {
	return driver.AppResources{Volumes: []driver.Volume{{Name: "data"}}}
}

// hostDir returns a directory for bind mounts: the environment's, or a
// local stand-in for a driver that refuses them (see needsHostDir).
func hostDir(t *testing.T, s *suite) string {
	t.Helper()
	if s.env.HostDir == nil {
		return t.TempDir()
	}
	return s.env.HostDir(t)
}

func needsHostDir(env Env) string { return missing(env.HostDir == nil, "HostDir") }

func storageCases() []runtimeCase {
	return []runtimeCase{
		{
			name: "volumes mounts an app volume, writable", key: "volumes",
			resources: dataVolume,
			set: rt(func(r *driver.Runtime) {
				r.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data"}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if msg := appWrite(t, inst, "/data/f", "kept"); msg != "" {
					t.Fatalf("writing to the volume: %s", msg)
				}
				if got := appFile(t, inst, "/data/f").Content; got != "kept" {
					t.Fatalf("the volume holds %q, want kept", got)
				}
			},
		},
		{
			name: "volumes mounts an app volume read-only", key: "volumes",
			resources: dataVolume,
			set: rt(func(r *driver.Runtime) {
				r.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data", ReadOnly: true}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if msg := appWrite(t, inst, "/data/f", "x"); !strings.Contains(msg, "read-only file system") {
					t.Fatalf("writing to a read-only volume answered %q", msg)
				}
			},
		},
		{
			name: "volumes with nocopy leaves a new volume empty", key: "volumes",
			resources: dataVolume,
			set: rt(func(r *driver.Runtime) {
				r.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data", NoCopy: true}}
			}),
		},
		{
			name: "volumes with subpath mounts a directory of the volume", key: "volumes.volume.subpath",
			resources: dataVolume,
			set: rt(func(r *driver.Runtime) {
				r.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/sub", Subpath: "dir"}}
			}),
			before: func(t *testing.T, s *suite, d driver.Driver, app string) {
				spec := s.spec(app)
				spec.Index = 9
				spec.Runtime.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data"}}
				inst := start(t, d, spec)
				waitReady(t, inst.Addr)
				if status, body := appDo(t, inst, "PUT", "/fs?path=/data/dir&dir=1", ""); status != 204 {
					t.Fatalf("making /data/dir: %d %s", status, body)
				}
				if msg := appWrite(t, inst, "/data/dir/f", "below"); msg != "" {
					t.Fatal(msg)
				}
				if err := d.Remove(ctx(t), inst.ID); err != nil {
					t.Fatal(err)
				}
			},
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/sub/f").Content; got != "below" {
					t.Fatalf("/sub/f holds %q, want what was written to dir/f", got)
				}
			},
		},
		{
			name: "volumes binds a host directory read-only", key: "volumes",
			needs: needsHostDir,
			set: func(t *testing.T, s *suite, spec *driver.ContainerSpec) {
				dir := hostDir(t, s)
				if err := os.WriteFile(filepath.Join(dir, "f"), []byte("from the host"), 0o644); err != nil {
					t.Fatal(err)
				}
				spec.Runtime.Mounts = []driver.Mount{{Type: driver.MountBind, Source: dir, Target: "/host", ReadOnly: true, Propagation: "rprivate"}}
			},
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/host/f").Content; got != "from the host" {
					t.Fatalf("/host/f holds %q", got)
				}
				if msg := appWrite(t, inst, "/host/g", "x"); !strings.Contains(msg, "read-only file system") {
					t.Fatalf("writing to a read-only bind answered %q", msg)
				}
			},
		},
		{
			name: "volumes binds a host path it creates when asked", key: "volumes",
			needs: needsHostDir,
			set: func(t *testing.T, s *suite, spec *driver.ContainerSpec) {
				made := filepath.Join(hostDir(t, s), "made")
				spec.Runtime.Mounts = []driver.Mount{{Type: driver.MountBind, Source: made, Target: "/made", CreateHostPath: true}}
			},
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if msg := appWrite(t, inst, "/made/f", "back"); msg != "" {
					t.Fatalf("writing to the bind: %s", msg)
				}
			},
		},
		{
			name: "volumes binds without recursive mounts", key: "volumes.bind.recursive",
			needs: needsHostDir,
			set: func(t *testing.T, s *suite, spec *driver.ContainerSpec) {
				spec.Runtime.Mounts = []driver.Mount{{Type: driver.MountBind, Source: hostDir(t, s), Target: "/host", Recursive: "disabled"}}
			},
		},
		{
			name: "tmpfs mounts a memory filesystem of that size and mode", key: "tmpfs",
			set: rt(func(r *driver.Runtime) {
				r.Mounts = []driver.Mount{{Type: driver.MountTmpfs, Target: "/scratch", TmpfsSize: 16 << 20, TmpfsMode: 0o1770, TmpfsOptions: []string{"noexec"}}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if fi := appFile(t, inst, "/scratch"); fi.FSSize != 16<<20 || fi.Mode != "1770" {
					t.Fatalf("/scratch is %d bytes with mode %s, want %d and 1770", fi.FSSize, fi.Mode, 16<<20)
				}
			},
		},
		{
			name: "secrets are files of that content, mode and owner on a read-only root", key: "secrets",
			set: rt(func(r *driver.Runtime) {
				r.ReadOnly = true
				r.Files = []driver.File{{Target: "/run/secrets/token", Content: []byte("s3cret"), UID: "1000", GID: "1001", Mode: 0o440, Secret: true}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				fi := appFile(t, inst, "/run/secrets/token")
				if fi.Content != "s3cret" || fi.Mode != "0440" || fi.UID != 1000 || fi.GID != 1001 {
					t.Fatalf("the secret is %q, mode %s, owner %d:%d; want s3cret, 0440, 1000:1001", fi.Content, fi.Mode, fi.UID, fi.GID)
				}
				if msg := appWrite(t, inst, "/run/secrets/token", "x"); msg == "" {
					t.Fatal("the app could write over its secret")
				}
			},
		},
		{
			name: "configs are files readable by all unless a mode says otherwise", key: "configs",
			set: rt(func(r *driver.Runtime) {
				r.Files = []driver.File{
					{Target: "/etc/app.conf", Content: []byte("a=1\n")},
					{Target: "/etc/other.conf", Content: []byte("b=2\n"), Mode: 0o400},
				}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				for path, want := range map[string]struct{ content, mode string }{
					"/etc/app.conf": {"a=1\n", "0444"}, "/etc/other.conf": {"b=2\n", "0400"},
				} {
					if fi := appFile(t, inst, path); fi.Content != want.content || fi.Mode != want.mode {
						t.Errorf("%s is %q with mode %s, want %q with %s", path, fi.Content, fi.Mode, want.content, want.mode)
					}
				}
			},
		},
		{
			name: "shm_size sizes /dev/shm", key: "shm_size",
			set: rt(func(r *driver.Runtime) { r.ShmSize = 128 << 20 }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if fi := appFile(t, inst, "/dev/shm"); fi.FSSize != 128<<20 {
					t.Fatalf("/dev/shm is %d bytes, want %d", fi.FSSize, 128<<20)
				}
			},
		},
		{
			name: "storage_opt sizes the root filesystem", key: "storage_opt",
			set: rt(func(r *driver.Runtime) { r.StorageOpt = map[string]string{"size": "1G"} }),
		},
	}
}
