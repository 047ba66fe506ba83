package docker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/berth-dev/berth/internal/driver"
)

// A container's secrets and configs are files under the files
// directory, <dir>/<instance or _>/[env=<env>/]<app>/<container name>/,
// named secret-<n> or config-<n> (n their index in Runtime.Files), each
// bind-mounted read-only at its target. docker compose bind-mounts a
// file secret the same way; copying into the container instead would
// fail on a read-only root filesystem. The directory goes with the
// container (Remove), and List and Prepare remove what a container
// that is gone without Remove (a crash) left.
//
// An environment's directory is env=<env>: no app is called that (an
// app's name has no '='), so the apps of a driver without an
// environment, beside it, are never taken for environments nor the
// other way round. A container's files stay where they were written:
// those of a container an adopting driver took over are in the
// directory of the scope its labels say (before environments, or
// before instances), and the driver sweeps those directories too.

// envDirPrefix starts the name of an environment's files directory.
const envDirPrefix = "env="

// ownScope is the scope of what the driver makes.
func (d *Driver) ownScope() scope { return scope{instance: d.instance, env: d.env} }

// scopeOf is the scope an object's labels say it belongs to.
func scopeOf(labels map[string]string) scope {
	return scope{instance: labels[driver.LabelInstance], env: labels[driver.LabelEnv]}
}

// filesRoot is the directory of the files of containers in scope s,
// one directory per app.
func (d *Driver) filesRoot(s scope) string {
	inst := s.instance
	if inst == "" {
		inst = "_"
	}
	root := filepath.Join(d.filesDir, inst)
	if s.env != "" {
		root = filepath.Join(root, envDirPrefix+s.env)
	}
	return root
}

// appFilesDir is where the files of app's containers the driver makes
// are.
func (d *Driver) appFilesDir(app string) string {
	return filepath.Join(d.filesRoot(d.ownScope()), app)
}

// writeFiles writes files for the container name of app and returns
// their mounts.
func (d *Driver) writeFiles(app, name string, files []driver.File) ([]mount.Mount, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if d.filesDir == "" {
		return nil, errors.New("the service has secrets or configs, and the docker driver was given no directory for them (WithFilesDir)")
	}
	dir := filepath.Join(d.appFilesDir(app), name)
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, fmt.Errorf("making the files directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the files directory: %w", err)
	}
	mounts := make([]mount.Mount, 0, len(files))
	for i, f := range files {
		p := filepath.Join(dir, fmt.Sprintf("%s-%d", fileKind(f.Secret), i))
		if err := d.writeFile(p, f); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: p, Target: f.Target, ReadOnly: true})
	}
	return mounts, nil
}

func fileKind(secret bool) string {
	if secret {
		return "secret"
	}
	return "config"
}

// writeFile writes f at p with its mode and owner.
func (d *Driver) writeFile(p string, f driver.File) error {
	if !path.IsAbs(f.Target) {
		return fmt.Errorf("%s target %q is not an absolute path", fileKind(f.Secret), f.Target)
	}
	uid, err := fileOwner(f.UID, os.Geteuid())
	if err != nil {
		return fmt.Errorf("%s %s: uid: %w", fileKind(f.Secret), f.Target, err)
	}
	gid, err := fileOwner(f.GID, os.Getegid())
	if err != nil {
		return fmt.Errorf("%s %s: gid: %w", fileKind(f.Secret), f.Target, err)
	}
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing %s %s: %w", fileKind(f.Secret), f.Target, err)
	}
	_, err = out.Write(f.Content)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s %s: %w", fileKind(f.Secret), f.Target, err)
	}
	if uid != os.Geteuid() || gid != os.Getegid() {
		if err := os.Chown(p, uid, gid); err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return fmt.Errorf("writing %s %s: owning it by %d:%d needs berth to run as root: %w", fileKind(f.Secret), f.Target, uid, gid, err)
			}
			return fmt.Errorf("writing %s %s: %w", fileKind(f.Secret), f.Target, err)
		}
	}
	mode := fs.FileMode(f.Mode & 0o777)
	if f.Mode == 0 {
		mode = 0o444
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("writing %s %s: %w", fileKind(f.Secret), f.Target, err)
	}
	return nil
}

// fileOwner is the numeric id s asks for: root when s is "" and berth
// runs as root, else berth's own (self), which cannot give files away.
func fileOwner(s string, self int) (int, error) {
	if s == "" {
		return self, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a number: a user or group name means nothing outside the image", s)
	}
	return n, nil
}

// fileOf reads back the file mounted from host path p (files without
// their content): ok is false when p is not one of the driver's files.
func (d *Driver) fileOf(p, target string) (driver.File, bool) {
	if d.filesDir == "" || !strings.HasPrefix(p, d.filesDir+string(filepath.Separator)) {
		return driver.File{}, false
	}
	kind, _, _ := strings.Cut(filepath.Base(p), "-")
	if kind != "secret" && kind != "config" {
		return driver.File{}, false
	}
	f := driver.File{Target: target, Secret: kind == "secret"}
	fi, err := os.Stat(p)
	if err != nil {
		return f, true // gone from the host: its mode and owner are unknown
	}
	f.Mode = uint32(fi.Mode().Perm())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid, _ := fileOwner("", os.Geteuid()); int(st.Uid) != uid {
			f.UID = strconv.Itoa(int(st.Uid))
		}
		if gid, _ := fileOwner("", os.Getegid()); int(st.Gid) != gid {
			f.GID = strconv.Itoa(int(st.Gid))
		}
	}
	return f, true
}

// removeFiles removes the files of the container name of app in scope
// s. Names that could reach outside the files directory are ignored.
func (d *Driver) removeFiles(s scope, app, name string) {
	if d.filesDir == "" || checkName("app", app) != nil || checkName("container", name) != nil ||
		(s.instance != "" && checkName("instance", s.instance) != nil) ||
		(s.env != "" && checkName("environment", s.env) != nil) {
		return
	}
	if err := os.RemoveAll(filepath.Join(d.filesRoot(s), app, name)); err != nil {
		d.log.Warn("removing a container's files", "app", app, "container", name, "err", err)
	}
}

// removeAppFiles removes the files directories of app, in every scope
// the driver counts as its own, which no container uses any more.
func (d *Driver) removeAppFiles(app string) error {
	if d.filesDir == "" {
		return nil
	}
	for _, s := range d.scopes() {
		if err := os.RemoveAll(filepath.Join(d.filesRoot(s), app)); err != nil {
			return fmt.Errorf("removing the files of app %s: %w", app, err)
		}
	}
	return nil
}

// sweepFiles removes the files of app's containers (every app's when
// app is "") that are gone. listed are the containers a listing just
// found, nil for none: files of a listed container are kept without
// asking the daemon again.
func (d *Driver) sweepFiles(ctx context.Context, app string, listed ...container.Summary) error {
	if d.filesDir == "" {
		return nil
	}
	stale := d.staleFiles(app, containerNames(listed))
	if len(stale) == 0 {
		return nil
	}
	// Under the lock, a Start cannot be between writing its files and
	// making its container: what is not listed now is gone.
	d.filesMu.Lock()
	defer d.filesMu.Unlock()
	found, err := d.list(ctx, app)
	if err != nil {
		return err
	}
	for _, dir := range d.staleFiles(app, containerNames(found)) {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("removing the files of a container that is gone: %w", err)
		}
		d.log.Debug("files of a container that is gone removed", "dir", dir)
	}
	return nil
}

// staleFiles returns the files directories of app's containers (every
// app's when app is "") whose container is not in names, in every
// scope the driver counts as its own: names are those of all its
// containers, adopted ones included, so their files stay.
func (d *Driver) staleFiles(app string, names map[string]bool) []string {
	var stale []string
	for _, s := range d.scopes() {
		root := d.filesRoot(s)
		apps := []string{app}
		if app == "" {
			entries, _ := os.ReadDir(root)
			apps = apps[:0]
			for _, e := range entries {
				// Skips the environments' directories (env=<env>).
				if e.IsDir() && checkName("app", e.Name()) == nil {
					apps = append(apps, e.Name())
				}
			}
		}
		for _, a := range apps {
			dir := filepath.Join(root, a)
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if !names[e.Name()] {
					stale = append(stale, filepath.Join(dir, e.Name()))
				}
			}
		}
	}
	return stale
}

func containerNames(cs []container.Summary) map[string]bool {
	names := make(map[string]bool, len(cs))
	for _, c := range cs {
		for _, n := range c.Names {
			names[strings.TrimPrefix(n, "/")] = true
		}
	}
	return names
}
