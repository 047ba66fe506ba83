package memory

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// Event is something the driver did, for tests that check the order of
// a rollout's steps.
type Event struct {
	Time      time.Time
	Kind      string // prepare, release, start, stop, remove
	App       string
	Service   string
	Container string
	Revision  int
	Set       string
	// Volumes are the named volumes the container mounts read-write.
	Volumes []string
}

// Events returns what the driver did so far, oldest first.
func (d *Driver) Events() []Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.events)
}

// event records e, at the time now.
func (d *Driver) event(e Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.eventLocked(e)
}

// eventLocked records e; d.mu is held.
func (d *Driver) eventLocked(e Event) {
	e.Time = time.Now()
	d.events = append(d.events, e)
}

func volumesOf(spec driver.ContainerSpec) []string {
	var out []string
	for _, m := range spec.Runtime.Mounts {
		if m.Type == driver.MountVolume && !m.ReadOnly {
			out = append(out, m.Source)
		}
	}
	return out
}

func sortInstances(out []driver.Instance) {
	slices.SortFunc(out, func(a, b driver.Instance) int {
		return cmp.Or(cmp.Compare(a.App, b.App), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Revision, b.Revision), cmp.Compare(a.Set, b.Set),
			cmp.Compare(a.Index, b.Index), cmp.Compare(a.Name, b.Name))
	})
}

// checkSpec refuses what the Docker driver refuses, and the keys this
// driver neither applies nor records.
func (d *Driver) checkSpec(spec driver.ContainerSpec) error {
	for _, n := range []struct{ what, name string }{{"app", spec.App}, {"service", spec.Service}, {"set", spec.Set}} {
		if n.name == "" && n.what == "set" {
			continue
		}
		if err := checkName(n.what, n.name); err != nil {
			return fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, err)
		}
	}
	switch {
	case spec.Image == "":
		return fmt.Errorf("starting %s/%s: no image", spec.App, spec.Service)
	case spec.Revision < 0 || spec.Index < 0:
		return fmt.Errorf("starting %s/%s: negative revision or index", spec.App, spec.Service)
	case spec.Port < 0 || spec.Port > 65535:
		return fmt.Errorf("starting %s/%s: port %d out of range", spec.App, spec.Service, spec.Port)
	}
	for _, key := range runtimeKeys(spec.Runtime) {
		if why := d.Refuses(key); why != "" {
			return fmt.Errorf("starting %s/%s: %s", spec.App, spec.Service, why)
		}
	}
	return nil
}

// runtimeKeys names the Compose keys behind the runtime's settings.
func runtimeKeys(rt driver.Runtime) []string {
	var keys []string
	add := func(set bool, key string) {
		if set {
			keys = append(keys, key)
		}
	}
	add(rt.User != "", "user")
	add(rt.WorkingDir != "", "working_dir")
	add(rt.Hostname != "", "hostname")
	add(rt.DomainName != "", "domainname")
	add(rt.ReadOnly, "read_only")
	add(rt.Init != nil, "init")
	add(rt.Privileged, "privileged")
	add(len(rt.CapAdd) > 0, "cap_add")
	add(len(rt.CapDrop) > 0, "cap_drop")
	add(len(rt.SecurityOpt) > 0, "security_opt")
	add(rt.StopSignal != "", "stop_signal")
	add(len(rt.GroupAdd) > 0, "group_add")
	add(rt.IPC != "", "ipc")
	add(rt.PID != "", "pid")
	for _, m := range rt.Mounts {
		add(m.Type == driver.MountTmpfs, "tmpfs")
		add(m.Type != driver.MountTmpfs, "volumes")
	}
	for _, f := range rt.Files {
		add(f.Secret, "secrets")
		add(!f.Secret, "configs")
	}
	add(len(rt.Ports) > 0, "ports")
	add(len(rt.Expose) > 0, "expose")
	add(len(rt.Networks) > 0, "networks")
	add(rt.Resources != (driver.Resources{}), "deploy.resources")
	add(len(rt.Ulimits) > 0, "ulimits")
	add(len(rt.Sysctls) > 0, "sysctls")
	add(rt.ShmSize != 0, "shm_size")
	add(len(rt.ExtraHosts) > 0, "extra_hosts")
	add(len(rt.DNS) > 0, "dns")
	add(len(rt.DNSSearch) > 0, "dns_search")
	add(len(rt.DNSOptions) > 0, "dns_opt")
	add(len(rt.Devices) > 0, "devices")
	add(rt.Logging != nil, "logging")
	add(rt.Restart != (driver.RestartPolicy{}), "restart")
	slices.Sort(keys)
	return slices.Compact(keys)
}
