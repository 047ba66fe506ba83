package docker

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/mount"

	"github.com/berth-dev/berth/internal/driver"
)

// mounts are a container's filesystems in the three forms the daemon
// takes them.
type mounts struct {
	mounts []mount.Mount
	binds  []string          // src:target:options, for binds that may create their source
	tmpfs  map[string]string // target -> options
}

// mountConfig returns the daemon's form of ms, as docker compose gives
// them: a named volume by the name it has on the host; a bind that may
// create its host path as a bind string (the mount API cannot create
// it before API 1.42), any other through the mount API; a tmpfs with
// its options as mount options.
func mountConfig(h *hostInfo, ms []driver.Mount, objs *appObjects) (mounts, error) {
	var out mounts
	for _, m := range ms {
		if !strings.HasPrefix(m.Target, "/") {
			return out, fmt.Errorf("mount target %q is not an absolute path", m.Target)
		}
		switch m.Type {
		case driver.MountVolume:
			name, ok := objs.volumes[m.Source]
			if !ok {
				return out, fmt.Errorf("volume %s is not one of the app's volumes (Prepare makes them): %w", m.Source, driver.ErrNotFound)
			}
			mt := mount.Mount{Type: mount.TypeVolume, Source: name, Target: m.Target, ReadOnly: m.ReadOnly}
			if m.NoCopy || m.Subpath != "" {
				mt.VolumeOptions = &mount.VolumeOptions{NoCopy: m.NoCopy, Subpath: m.Subpath}
			}
			out.mounts = append(out.mounts, mt)
		case driver.MountBind:
			if m.Source == "" {
				return out, fmt.Errorf("bind mount at %s has no source", m.Target)
			}
			recursive := m.Recursive != "" && m.Recursive != "enabled"
			if m.CreateHostPath && !recursive {
				out.binds = append(out.binds, bindString(m))
				continue
			}
			if m.SELinux != "" {
				return out, fmt.Errorf("bind mount at %s: an SELinux label (%s) needs a bind that may create its host path, as docker compose's short syntax", m.Target, m.SELinux)
			}
			if m.CreateHostPath && !h.atLeast("1.42") {
				return out, fmt.Errorf("bind mount at %s: the daemon speaks Docker Engine API %s, which creates a missing host path only for a plain bind (with recursive, it needs 1.42, Docker 23.0)", m.Target, h.api)
			}
			opts := &mount.BindOptions{Propagation: mount.Propagation(m.Propagation), CreateMountpoint: m.CreateHostPath}
			switch m.Recursive {
			case "", "enabled":
			case "disabled":
				opts.NonRecursive = true
			case "writable":
				opts.ReadOnlyNonRecursive = true
			case "readonly":
				opts.ReadOnlyForceRecursive = true
			default:
				return out, fmt.Errorf("bind mount at %s: recursive %q is not enabled, disabled, writable or readonly", m.Target, m.Recursive)
			}
			out.mounts = append(out.mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly, BindOptions: opts})
		case driver.MountTmpfs:
			if out.tmpfs == nil {
				out.tmpfs = map[string]string{}
			}
			out.tmpfs[m.Target] = tmpfsOptions(m)
		default:
			return out, fmt.Errorf("mount at %s: unknown type %q", m.Target, m.Type)
		}
	}
	return out, nil
}

// bindString is a bind as the daemon's Binds take it.
func bindString(m driver.Mount) string {
	opts := []string{"rw"}
	if m.ReadOnly {
		opts[0] = "ro"
	}
	if m.SELinux != "" {
		opts = append(opts, m.SELinux)
	}
	if m.Propagation != "" {
		opts = append(opts, m.Propagation)
	}
	return m.Source + ":" + m.Target + ":" + strings.Join(opts, ",")
}

// parseBind reads a bind string back.
func parseBind(s string) (driver.Mount, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return driver.Mount{}, false
	}
	m := driver.Mount{Type: driver.MountBind, Source: parts[0], Target: parts[1], CreateHostPath: true}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro":
				m.ReadOnly = true
			case "rw", "":
			case "z", "Z":
				m.SELinux = o
			default:
				m.Propagation = o
			}
		}
	}
	return m, true
}

// tmpfsOptions are a tmpfs's mount options: ro, size in bytes, mode in
// octal, then the spec's own.
func tmpfsOptions(m driver.Mount) string {
	var opts []string
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	if m.TmpfsSize > 0 {
		opts = append(opts, "size="+strconv.FormatInt(m.TmpfsSize, 10))
	}
	if m.TmpfsMode != 0 {
		opts = append(opts, "mode="+strconv.FormatUint(uint64(m.TmpfsMode), 8))
	}
	return strings.Join(append(opts, m.TmpfsOptions...), ",")
}

// parseTmpfs reads tmpfsOptions back.
func parseTmpfs(target, options string) driver.Mount {
	m := driver.Mount{Type: driver.MountTmpfs, Target: target}
	if options == "" {
		return m
	}
	for _, o := range strings.Split(options, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch {
		case o == "ro":
			m.ReadOnly = true
		case o == "rw" || o == "":
		case k == "size" && m.TmpfsSize == 0 && isDigits(v):
			m.TmpfsSize, _ = strconv.ParseInt(v, 10, 64)
		case k == "mode" && m.TmpfsMode == 0 && v != "":
			if mode, err := strconv.ParseUint(v, 8, 32); err == nil {
				m.TmpfsMode = uint32(mode)
				continue
			}
			m.TmpfsOptions = append(m.TmpfsOptions, o)
		default:
			m.TmpfsOptions = append(m.TmpfsOptions, o)
		}
	}
	return m
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
