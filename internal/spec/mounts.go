package spec

import (
	"cmp"
	"encoding/json"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// anonymous is the reason an anonymous volume is refused.
const anonymous = "an anonymous volume is not supported: it belongs to one container, and berth replaces containers on every rollout, so its data would be gone after the next one; name it under the top-level volumes and mount it by name (data:/path)"

// mounts reads volumes and tmpfs into mounts, sorted by target.
func (p *parser) mounts(proj *types.Project, c types.ServiceConfig, at func(...string) []string) []driver.Mount {
	var out []driver.Mount
	where := map[string][]string{}
	place := func(m driver.Mount, at []string) {
		if first, ok := where[m.Target]; ok {
			p.add(at, "%s is already mounted by %s", m.Target, strings.Join(first, "."))
			return
		}
		where[m.Target] = at
		out = append(out, m)
	}
	for i, v := range c.Volumes {
		vp := at("volumes", strconv.Itoa(i))
		if m, ok := p.mount(proj, vp, v); ok {
			place(m, vp)
		}
	}
	for i, t := range c.Tmpfs {
		tp := at("tmpfs", strconv.Itoa(i))
		if m, ok := p.tmpfs(tp, t); ok {
			place(m, tp)
		}
	}
	slices.SortFunc(out, func(a, b driver.Mount) int { return cmp.Compare(a.Target, b.Target) })
	return out
}

// mount reads one entry of volumes, in short or long syntax.
func (p *parser) mount(proj *types.Project, at []string, v types.ServiceVolumeConfig) (driver.Mount, bool) {
	m := driver.Mount{Type: v.Type, Target: v.Target, ReadOnly: v.ReadOnly}
	if !strings.HasPrefix(v.Target, "/") {
		p.add(at, "the target %q is not an absolute path in the container", v.Target)
		return m, false
	}
	switch v.Type {
	case types.VolumeTypeVolume:
		return p.volumeMount(proj, at, v, m)
	case types.VolumeTypeBind:
		src, ok := p.bindSource(at, v.Source)
		m.Source = src
		m.CreateHostPath = v.Bind == nil || bool(v.Bind.CreateHostPath)
		if b := v.Bind; b != nil {
			m.Propagation, m.SELinux = b.Propagation, b.SELinux
			switch b.Recursive {
			case "", "enabled", "disabled", "writable", "readonly":
				m.Recursive = b.Recursive
			default:
				p.add(join(at, "bind", "recursive"), "%q is not one of enabled, disabled, writable, readonly", b.Recursive)
				ok = false
			}
		}
		return m, ok
	case types.VolumeTypeTmpfs:
		if v.Source != "" {
			p.add(p.under(at, "source"), "a tmpfs has no source: it is memory")
			return m, false
		}
		if t := v.Tmpfs; t != nil {
			if t.Size < 0 {
				p.add(join(at, "tmpfs", "size"), "%d is negative", t.Size)
				return m, false
			}
			m.TmpfsSize, m.TmpfsMode = int64(t.Size), t.Mode
		}
		return m, true
	case types.VolumeTypeNamedPipe:
		p.add(p.under(at, "type"), "npipe is not supported: %s", windowsOnly)
	case types.VolumeTypeCluster:
		p.add(p.under(at, "type"), "cluster is not supported: a cluster volume is Swarm's; declare a named volume with the driver you need")
	case types.VolumeTypeImage:
		p.add(p.under(at, "type"), "image is not supported: berth does not mount images as volumes; copy the files into the service's own image")
	default:
		p.add(p.under(at, "type"), "%q is not one of volume, bind, tmpfs", v.Type)
	}
	return m, false
}

// volumeMount reads a mount of a named volume.
func (p *parser) volumeMount(proj *types.Project, at []string, v types.ServiceVolumeConfig, m driver.Mount) (driver.Mount, bool) {
	if v.Source == "" {
		p.add(at, anonymous)
		return m, false
	}
	if _, ok := proj.Volumes[v.Source]; !ok {
		p.add(at, "volume %s is not declared under the top-level volumes; declare it there (volumes: {%s: {}})", v.Source, v.Source)
		return m, false
	}
	m.Source = v.Source
	if o := v.Volume; o != nil {
		m.NoCopy, m.Subpath = o.NoCopy, o.Subpath
		if len(o.Labels) > 0 {
			p.add(join(at, "volume", "labels"), "labels on a mount are for a volume the mount makes; berth makes the app's volumes from the top-level volumes, so set labels there")
			return m, false
		}
	}
	return m, true
}

// bindSource reads a bind's source, a path on the Docker host. A
// relative one is read against the spec's directory, as Compose does,
// when the Input names it by an absolute path.
func (p *parser) bindSource(at []string, src string) (string, bool) {
	switch {
	case path.IsAbs(src):
		return path.Clean(src), true
	case src == "~" || strings.HasPrefix(src, "~/"):
		p.add(p.under(at, "source"), "%s is in the deploying user's home, which is not a path on the Docker host; write the absolute path", src)
	case src == "":
		p.add(at, "a bind needs a source: the path on the Docker host")
	case path.IsAbs(p.in.Dir):
		return path.Join(p.in.Dir, src), true
	default:
		p.add(p.under(at, "source"), "%s is relative to the spec's directory, which berth was not given; write the absolute path on the Docker host", src)
	}
	return "", false
}

// tmpfs reads one entry of the tmpfs key: a path, and mount options
// after a colon ("/run:size=64m,mode=1777,noexec").
func (p *parser) tmpfs(at []string, t string) (driver.Mount, bool) {
	target, opts, _ := strings.Cut(t, ":")
	m := driver.Mount{Type: driver.MountTmpfs, Target: path.Clean(target)}
	if !strings.HasPrefix(target, "/") {
		p.add(at, "the target %q is not an absolute path in the container", target)
		return m, false
	}
	ok := true
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(o), "=")
		switch k {
		case "":
		case "size":
			var size types.UnitBytes
			if err := json.Unmarshal([]byte(strconv.Quote(v)), &size); err != nil || size < 0 {
				p.add(at, "size %q is not a size (write it like 64m)", v)
				ok = false
			}
			m.TmpfsSize = int64(size)
		case "mode":
			mode, err := strconv.ParseUint(v, 8, 32)
			if err != nil || mode > 0o7777 {
				p.add(at, "mode %q is not an octal file mode (write it like 1777)", v)
				ok = false
			}
			m.TmpfsMode = uint32(mode)
		case "ro":
			m.ReadOnly = true
		default:
			m.TmpfsOptions = append(m.TmpfsOptions, strings.TrimSpace(o))
		}
	}
	return m, ok
}

// under returns the path of key below path when the file writes it,
// else path: a value written in short syntax has no keys below it.
func (p *parser) under(path []string, keys ...string) []string {
	if k := join(path, keys...); p.has(k) {
		return k
	}
	return path
}
