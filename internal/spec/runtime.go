package spec

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// runtime reads what a Compose service says about its containers into a
// driver.Runtime, as docker compose turns it into a container's config
// (pkg/compose/create.go): values normalised, lists that mean a set
// sorted, maps copied.
func (p *parser) runtime(proj *types.Project, c types.ServiceConfig, at func(...string) []string) driver.Runtime {
	mounts := p.mounts(proj, c, at)
	r := driver.Runtime{
		User:              c.User,
		WorkingDir:        c.WorkingDir,
		Hostname:          c.Hostname,
		DomainName:        c.DomainName,
		ReadOnly:          c.ReadOnly,
		Init:              c.Init,
		Privileged:        c.Privileged,
		CapAdd:            sortedSet(c.CapAdd),
		CapDrop:           sortedSet(c.CapDrop),
		SecurityOpt:       p.securityOpt(at("security_opt"), c.SecurityOpt),
		StopSignal:        c.StopSignal,
		GroupAdd:          slices.Clone(c.GroupAdd),
		IPC:               p.namespace(at("ipc"), c.Ipc, "none", "private", "shareable", "host"),
		PID:               p.namespace(at("pid"), c.Pid, "host"),
		UTS:               p.namespace(at("uts"), c.Uts, "host"),
		Cgroup:            p.namespace(at("cgroup"), c.Cgroup, "host", "private"),
		UsernsMode:        p.namespace(at("userns_mode"), c.UserNSMode, "host"),
		CgroupParent:      c.CgroupParent,
		OCIRuntime:        c.Runtime,
		Mounts:            mounts,
		Files:             p.files(proj, c, mounts, at),
		Ports:             p.ports(at("ports"), c.Ports),
		Expose:            p.expose(at("expose"), c.Expose),
		Networks:          p.attachments(proj, c, at),
		Resources:         p.limits(c, at),
		Ulimits:           ulimits(c.Ulimits),
		Sysctls:           mapOf(c.Sysctls),
		ShmSize:           int64(c.ShmSize),
		ExtraHosts:        sortedSet(c.ExtraHosts.AsList(":")),
		DNS:               slices.Clone([]string(c.DNS)),
		DNSSearch:         slices.Clone([]string(c.DNSSearch)),
		DNSOptions:        slices.Clone(c.DNSOpts),
		Devices:           p.devices(at("devices"), c.Devices),
		Logging:           logging(c.Logging),
		Restart:           p.restart(c, at),
		Annotations:       mapOf(c.Annotations),
		TTY:               c.Tty,
		StdinOpen:         c.StdinOpen,
		StorageOpt:        maps.Clone(c.StorageOpt),
		DeviceCgroupRules: slices.Clone(c.DeviceCgroupRules),
	}
	if len(r.StorageOpt) == 0 {
		r.StorageOpt = nil
	}
	if c.ShmSize < 0 {
		p.add(at("shm_size"), "%d is negative", c.ShmSize)
	}
	return r
}

// namespace reads a namespace mode (ipc, pid, uts, cgroup, userns_mode):
// "" or one of modes. Sharing another service's or container's
// namespace is refused: that container is replaced on every rollout.
func (p *parser) namespace(path []string, v string, modes ...string) string {
	switch {
	case v == "" || slices.Contains(modes, v):
		return v
	case strings.HasPrefix(v, types.ServicePrefix), strings.HasPrefix(v, types.ContainerPrefix):
		p.add(path, "%q is not supported: berth replaces containers on every rollout, so the one whose namespace this would share does not last; use %s", v, words(append([]string{"the default"}, modes...), "or"))
	default:
		p.add(path, "%q is not one of %s", v, strings.Join(modes, ", "))
	}
	return ""
}

// words writes items as "a, b or c" (conj "or").
func words(items []string, conj string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

// securityOpt reads security_opt as docker compose passes it on, with a
// seccomp profile's file replaced by its compacted JSON, which the
// deploying client sent in the Input.
func (p *parser) securityOpt(path []string, opts []string) []string {
	var out []string
	for i, opt := range opts {
		file, ok := seccompProfile(opt)
		if !ok {
			out = append(out, opt)
			continue
		}
		at := join(path, strconv.Itoa(i))
		content, ok := p.in.Files[file]
		if !ok {
			p.add(at, "seccomp profile %s was not sent with the spec; deploy with berth deploy, which reads it beside the spec", file)
			continue
		}
		var b bytes.Buffer
		if err := json.Compact(&b, content); err != nil {
			p.add(at, "seccomp profile %s is not JSON: %v", file, err)
			continue
		}
		out = append(out, "seccomp="+b.String())
	}
	return out
}

// devices reads devices: host devices. A CDI name (vendor/class=name),
// which docker compose turns into a device request, is refused as gpus
// are.
func (p *parser) devices(path []string, ds []types.DeviceMapping) []driver.Device {
	var out []driver.Device
	for i, d := range ds {
		if d.Source == d.Target && strings.Contains(d.Source, "=") && strings.Contains(d.Source, "/") {
			p.add(join(path, strconv.Itoa(i)), "%s is a CDI device, which is not supported: %s", d.Source, serviceKeys["gpus"].note)
			continue
		}
		out = append(out, driver.Device{Source: d.Source, Target: d.Target, Permissions: d.Permissions})
	}
	return out
}

// logging reads logging.
func logging(l *types.LoggingConfig) *driver.Logging {
	if l == nil || l.Driver == "" && len(l.Options) == 0 {
		return nil
	}
	return &driver.Logging{Driver: l.Driver, Options: mapOf(l.Options)}
}

// ulimits reads ulimits: a single value is both the soft and the hard
// limit; sorted by name.
func ulimits(m map[string]*types.UlimitsConfig) []driver.Ulimit {
	var out []driver.Ulimit
	for _, name := range slices.Sorted(maps.Keys(m)) {
		u := m[name]
		if u == nil {
			continue
		}
		soft, hard := u.Single, u.Single
		if u.Soft != 0 {
			soft = u.Soft
		}
		if u.Hard != 0 {
			hard = u.Hard
		}
		out = append(out, driver.Ulimit{Name: name, Soft: int64(soft), Hard: int64(hard)})
	}
	return out
}

// mapOf copies a string map, nil when empty.
func mapOf[M ~map[string]string](m M) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(map[string]string(m))
}

// sortedSet returns the distinct items of s, sorted; nil when empty.
func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
