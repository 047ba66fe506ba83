package docker

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/docker/docker/api/types/blkiodev"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"

	"github.com/berth-dev/berth/internal/driver"
)

// Describe returns the Runtime of one of the driver's containers as the
// daemon reports it (its config, host config and networks), in the form
// driver.Runtime.Normalized gives: for everything Start applies,
// Describe of a container Start made from a spec equals the spec's
// Normalized runtime, without the files' content. What the daemon adds
// of its own is left out: the image's user, working directory and
// exposed ports, the container's ID as its hostname and network alias,
// the service's name as an alias, and the daemon's default cgroup
// namespace, OCI runtime and log driver. So a spec that sets one of
// those to the same value as the image or the daemon is reported as not
// setting it: the container is the same. Names of volumes and networks
// are the spec's, and files are read back from the host.
func (d *Driver) Describe(ctx context.Context, id string) (driver.Runtime, error) {
	c, err := d.own(ctx, id, "describing")
	if err != nil {
		return driver.Runtime{}, err
	}
	h, err := d.hostInfo(ctx)
	if err != nil {
		return driver.Runtime{}, fmt.Errorf("describing container %s: %w", id, err)
	}
	if c.HostConfig == nil {
		return driver.Runtime{}, fmt.Errorf("describing container %s: the daemon reports no host config", id)
	}
	var img *container.Config
	if i, err := d.client.ImageInspect(ctx, c.Image); err == nil && i.Config != nil {
		img = &container.Config{User: i.Config.User, WorkingDir: i.Config.WorkingDir, ExposedPorts: nat.PortSet{}}
		for p := range i.Config.ExposedPorts {
			img.ExposedPorts[nat.Port(p)] = struct{}{}
		}
	}
	return d.describe(h, c, img), nil
}

// describe reads the runtime off c; img holds its image's defaults, nil
// when the image is gone.
func (d *Driver) describe(h *hostInfo, c container.InspectResponse, img *container.Config) driver.Runtime {
	cfg, hc := c.Config, c.HostConfig
	if img == nil {
		img = &container.Config{}
	}
	shortID := c.ID[:min(12, len(c.ID))]
	rt := driver.Runtime{
		User:        unless(cfg.User, img.User),
		WorkingDir:  unless(cfg.WorkingDir, img.WorkingDir),
		Hostname:    unless(cfg.Hostname, shortID),
		DomainName:  cfg.Domainname,
		ReadOnly:    hc.ReadonlyRootfs,
		Init:        hc.Init,
		Privileged:  hc.Privileged,
		CapAdd:      hc.CapAdd,
		CapDrop:     hc.CapDrop,
		SecurityOpt: slices.Clone(hc.SecurityOpt),
		StopSignal:  cfg.StopSignal,
		GroupAdd:    hc.GroupAdd,
		IPC:         string(hc.IpcMode),
		PID:         string(hc.PidMode),
		TTY:         cfg.Tty,
		StdinOpen:   cfg.OpenStdin,
		UTS:         string(hc.UTSMode),
		UsernsMode:  string(hc.UsernsMode),
		Cgroup:      string(hc.CgroupnsMode),
		OCIRuntime:  unless(hc.Runtime, h.defaultRuntime),
		StorageOpt:  hc.StorageOpt,
		Annotations: hc.Annotations,
		Sysctls:     hc.Sysctls,
		ShmSize:     hc.ShmSize,
		ExtraHosts:  hc.ExtraHosts,
		DNS:         hc.DNS,
		DNSSearch:   hc.DNSSearch,
		DNSOptions:  hc.DNSOptions,
		Restart:     driver.RestartPolicy{Name: string(hc.RestartPolicy.Name), MaxRetries: hc.RestartPolicy.MaximumRetryCount},

		DeviceCgroupRules: hc.DeviceCgroupRules,
		CgroupParent:      hc.CgroupParent,
	}
	// The daemon's default cgroup namespace is the host's on cgroup v1,
	// a private one on v2.
	if (h.cgroup == "1" && rt.Cgroup == "host") || (h.cgroup != "1" && rt.Cgroup == "private") {
		rt.Cgroup = ""
	}
	// The daemon turns SELinux labels off for a container that shares
	// the host's processes or IPC, or is privileged.
	if hc.PidMode.IsHost() || hc.IpcMode.IsHost() || hc.Privileged {
		if i := slices.Index(rt.SecurityOpt, "label=disable"); i >= 0 {
			rt.SecurityOpt = slices.Delete(rt.SecurityOpt, i, i+1)
		}
	}
	if hc.MaskedPaths != nil && len(hc.MaskedPaths) == 0 && len(hc.ReadonlyPaths) == 0 {
		rt.SecurityOpt = append(rt.SecurityOpt, "systempaths=unconfined")
	}
	if lc := hc.LogConfig; lc.Type != "" && (lc.Type != h.loggingDriver || len(lc.Config) > 0) {
		rt.Logging = &driver.Logging{Driver: lc.Type, Options: lc.Config}
	}
	rt.Mounts, rt.Files = d.describeMounts(cfg.Labels, hc)
	rt.Ports, rt.Expose = describePorts(cfg, hc, img)
	rt.Networks = describeNetworks(cfg, c.NetworkSettings, shortID)
	rt.Resources, rt.Ulimits, rt.Devices = describeResources(cfg.Labels, hc)
	return rt.Normalized()
}

// unless is v, or "" when it is what the image or daemon gives anyway.
func unless(v, dflt string) string {
	if v == dflt {
		return ""
	}
	return v
}

// describeMounts reads back the mounts, and the files among them.
func (d *Driver) describeMounts(labels map[string]string, hc *container.HostConfig) ([]driver.Mount, []driver.File) {
	volumes := map[string]string{} // host -> spec
	for _, p := range parsePairs(labels[LabelVolumes]) {
		volumes[p[1]] = p[0]
	}
	var ms []driver.Mount
	var files []driver.File
	for _, m := range hc.Mounts {
		switch m.Type {
		case mount.TypeVolume:
			dm := driver.Mount{Type: driver.MountVolume, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
			if name, ok := volumes[m.Source]; ok {
				dm.Source = name
			}
			if o := m.VolumeOptions; o != nil {
				dm.NoCopy, dm.Subpath = o.NoCopy, o.Subpath
			}
			ms = append(ms, dm)
		case mount.TypeBind:
			if f, ok := d.fileOf(m.Source, m.Target); ok {
				files = append(files, f)
				continue
			}
			dm := driver.Mount{Type: driver.MountBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
			if o := m.BindOptions; o != nil {
				dm.Propagation, dm.CreateHostPath = string(o.Propagation), o.CreateMountpoint
				switch {
				case o.NonRecursive:
					dm.Recursive = "disabled"
				case o.ReadOnlyNonRecursive:
					dm.Recursive = "writable"
				case o.ReadOnlyForceRecursive:
					dm.Recursive = "readonly"
				}
			}
			ms = append(ms, dm)
		case mount.TypeTmpfs:
			dm := driver.Mount{Type: driver.MountTmpfs, Target: m.Target, ReadOnly: m.ReadOnly}
			if o := m.TmpfsOptions; o != nil {
				dm.TmpfsSize, dm.TmpfsMode = o.SizeBytes, uint32(o.Mode.Perm())
			}
			ms = append(ms, dm)
		}
	}
	for _, b := range hc.Binds {
		if m, ok := parseBind(b); ok {
			ms = append(ms, m)
		}
	}
	for target, opts := range hc.Tmpfs {
		ms = append(ms, parseTmpfs(target, opts))
	}
	return ms, files
}

// describePorts reads back the published ports and the exposed ones
// the image does not expose.
func describePorts(cfg *container.Config, hc *container.HostConfig, img *container.Config) ([]driver.PortBinding, []string) {
	var ports []driver.PortBinding
	for port, bindings := range hc.PortBindings {
		for _, b := range bindings {
			ports = append(ports, driver.PortBinding{HostIP: b.HostIP, HostPort: b.HostPort, ContainerPort: port.Int(), Protocol: port.Proto()})
		}
	}
	var expose []string
	for port := range cfg.ExposedPorts {
		if _, fromImage := img.ExposedPorts[port]; !fromImage {
			expose = append(expose, string(port))
		}
	}
	return ports, expose
}

// describeNetworks reads back the networks the container joined, in the
// order it joined them, by their names in the spec.
func describeNetworks(cfg *container.Config, ns *container.NetworkSettings, shortID string) []driver.NetworkAttachment {
	if ns == nil {
		return nil
	}
	service := cfg.Labels[driver.LabelService]
	macs := map[string]bool{}
	for _, p := range parsePairs(cfg.Labels[LabelMACs]) {
		macs[p[0]] = true
	}
	joined := parseNetworkLabel(cfg.Labels[LabelNetworks])
	if len(joined) == 0 {
		joined = []joinedNetwork{{spec: driver.DefaultNetwork, host: legacyNetworkName(cfg.Labels[driver.LabelApp])}}
	}
	var out []driver.NetworkAttachment
	seen := map[string]bool{}
	for _, j := range joined {
		seen[j.host] = true
		if ep := ns.Networks[j.host]; ep != nil {
			a := describeEndpoint(j.spec, ep, service, []string{shortID, cfg.Hostname}, macs[j.spec])
			a.Priority = j.priority
			out = append(out, a)
		}
	}
	// Networks joined by hand are reported under their names on the
	// host, last.
	var other []string
	for name := range ns.Networks {
		if !seen[name] {
			other = append(other, name)
		}
	}
	slices.Sort(other)
	for _, name := range other {
		out = append(out, describeEndpoint(name, ns.Networks[name], service, []string{shortID, cfg.Hostname}, false))
	}
	return out
}

// describeEndpoint reads back one network; the daemon adds the
// container's short ID and host name as aliases of its own.
func describeEndpoint(name string, ep *network.EndpointSettings, service string, own []string, mac bool) driver.NetworkAttachment {
	a := driver.NetworkAttachment{Name: name, NoServiceAlias: true, GatewayPriority: ep.GwPriority}
	for _, alias := range ep.Aliases {
		switch {
		case alias == service:
			a.NoServiceAlias = false
		case !slices.Contains(own, alias):
			a.Aliases = append(a.Aliases, alias)
		}
	}
	if c := ep.IPAMConfig; c != nil {
		a.IPv4Address, a.IPv6Address, a.LinkLocalIPs = c.IPv4Address, c.IPv6Address, c.LinkLocalIPs
	}
	if mac {
		a.MacAddress = ep.MacAddress
	}
	for k, v := range ep.DriverOpts {
		if k == "com.docker.network.endpoint.ifname" {
			a.InterfaceName = v
			continue
		}
		if a.DriverOpts == nil {
			a.DriverOpts = map[string]string{}
		}
		a.DriverOpts[k] = v
	}
	return a
}

// describeResources reads back the limits, ulimits and devices.
func describeResources(labels map[string]string, hc *container.HostConfig) (driver.Resources, []driver.Ulimit, []driver.Device) {
	r := hc.Resources
	res := driver.Resources{
		NanoCPUs:           r.NanoCPUs,
		CPUShares:          r.CPUShares,
		CPUSet:             r.CpusetCpus,
		Memory:             r.Memory,
		MemoryReservation:  r.MemoryReservation,
		MemorySwap:         r.MemorySwap,
		OomScoreAdj:        hc.OomScoreAdj,
		CPUPeriod:          r.CPUPeriod,
		CPUQuota:           r.CPUQuota,
		CPURealtimePeriod:  r.CPURealtimePeriod,
		CPURealtimeRuntime: r.CPURealtimeRuntime,
		MemorySwappiness:   r.MemorySwappiness,
	}
	if r.MemorySwappiness != nil && *r.MemorySwappiness < 0 {
		res.MemorySwappiness = nil // the daemon's way of saying unset
	}
	if v, err := strconv.ParseInt(labels[LabelReservedCPUs], 10, 64); err == nil && v > 0 {
		res.ReservedNanoCPUs = v
		if res.CPUShares == reservedShares(v) {
			res.CPUShares = 0
		}
	}
	if r.PidsLimit != nil {
		res.PidsLimit = *r.PidsLimit
	}
	if r.OomKillDisable != nil {
		res.OomKillDisable = *r.OomKillDisable
	}
	if r.BlkioWeight != 0 || len(r.BlkioWeightDevice)+len(r.BlkioDeviceReadBps)+len(r.BlkioDeviceReadIOps)+len(r.BlkioDeviceWriteBps)+len(r.BlkioDeviceWriteIOps) > 0 {
		b := &driver.Blkio{Weight: r.BlkioWeight}
		for _, w := range r.BlkioWeightDevice {
			b.WeightDevice = append(b.WeightDevice, driver.WeightDevice{Path: w.Path, Weight: w.Weight})
		}
		b.DeviceReadBps, b.DeviceReadIOps = describeThrottles(r.BlkioDeviceReadBps), describeThrottles(r.BlkioDeviceReadIOps)
		b.DeviceWriteBps, b.DeviceWriteIOps = describeThrottles(r.BlkioDeviceWriteBps), describeThrottles(r.BlkioDeviceWriteIOps)
		res.Blkio = b
	}
	var ulimits []driver.Ulimit
	for _, u := range r.Ulimits {
		ulimits = append(ulimits, driver.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	var devices []driver.Device
	for _, dm := range r.Devices {
		devices = append(devices, driver.Device{Source: dm.PathOnHost, Target: dm.PathInContainer, Permissions: dm.CgroupPermissions})
	}
	return res, ulimits, devices
}

func describeThrottles(ds []*blkiodev.ThrottleDevice) []driver.ThrottleDevice {
	var out []driver.ThrottleDevice
	for _, d := range ds {
		out = append(out, driver.ThrottleDevice{Path: d.Path, Rate: d.Rate})
	}
	return out
}
