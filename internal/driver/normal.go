package driver

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// defaultShmSize is the size of /dev/shm when shm_size is not set.
const defaultShmSize = 64 << 20

// Normalized returns r in the one form that means the same container,
// the form Driver.Describe reports: a setting equal to its default is
// the zero value, and a list whose order means nothing is sorted. A
// drift check compares Describe's answer with the spec's Normalized
// runtime (without the files' content, which Describe never returns).
//
// Defaults: stop signal SIGTERM, ipc private, shm_size 64 MiB, restart
// policy no (and a retry count only with on-failure), device
// permissions rwm, a file's mode 0444 and owner root (uid and gid "0"),
// a tmpfs's recursive "enabled", a swap limit of twice the memory
// limit, a log driver without a name or options, and the default
// network alone. Capabilities are upper case with the CAP_ prefix (but
// ALL), exposed ports are port/protocol and leave out the published
// ones, and networks are in the order a container joins them (see
// ByPriority). Sets are
// sorted: capabilities, security options, groups, mounts and files (by
// target), ports, exposed ports, network aliases, ulimits (by name),
// devices (by target) and block I/O devices (by path). DNS servers,
// search domains, DNS options and extra hosts keep their order. Empty
// lists and maps are nil.
func (r Runtime) Normalized() Runtime {
	n := r
	n.CapAdd, n.CapDrop = capSet(r.CapAdd), capSet(r.CapDrop)
	n.SecurityOpt, n.GroupAdd = sortedSet(r.SecurityOpt), sortedSet(r.GroupAdd)
	if isSIGTERM(r.StopSignal) {
		n.StopSignal = ""
	}
	if r.IPC == "private" {
		n.IPC = ""
	}
	if r.ShmSize == defaultShmSize {
		n.ShmSize = 0
	}
	n.Mounts = normalMounts(r.Mounts)
	n.Files = normalFiles(r.Files)
	n.Ports = normalPorts(r.Ports)
	n.Expose = normalExpose(r.Expose, n.Ports)
	n.Networks = normalNetworks(r.Networks)
	n.Resources = normalResources(r.Resources)
	n.Ulimits = sortedBy(r.Ulimits, func(u Ulimit) string { return u.Name })
	n.Devices = normalDevices(r.Devices)
	n.Logging = normalLogging(r.Logging)
	n.Restart = normalRestart(r.Restart)
	n.Sysctls, n.StorageOpt, n.Annotations = nilIfEmpty(r.Sysctls), nilIfEmpty(r.StorageOpt), nilIfEmpty(r.Annotations)
	n.ExtraHosts, n.DNS = nilIfNone(r.ExtraHosts), nilIfNone(r.DNS)
	n.DNSSearch, n.DNSOptions = nilIfNone(r.DNSSearch), nilIfNone(r.DNSOptions)
	n.DeviceCgroupRules = nilIfNone(r.DeviceCgroupRules)
	return n
}

func isSIGTERM(sig string) bool {
	s := strings.ToUpper(sig)
	return s == "SIGTERM" || s == "TERM" || s == "15"
}

// capSet writes capabilities as CAP_NAME (ALL stays ALL), sorted and
// without repeats.
func capSet(caps []string) []string {
	var out []string
	for _, c := range caps {
		c = strings.ToUpper(c)
		if c != "ALL" && !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return sortedSet(out)
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedBy[T any](s []T, key func(T) string) []T {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.SortStableFunc(out, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return out
}

func nilIfNone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func normalMounts(ms []Mount) []Mount {
	out := sortedBy(ms, func(m Mount) string { return m.Target })
	for i := range out {
		if out[i].Recursive == "enabled" {
			out[i].Recursive = ""
		}
		out[i].TmpfsOptions = nilIfNone(out[i].TmpfsOptions)
	}
	return out
}

func normalFiles(fs []File) []File {
	out := sortedBy(fs, func(f File) string { return f.Target })
	for i := range out {
		if out[i].Mode == 0 {
			out[i].Mode = 0o444
		}
		if out[i].UID == "0" {
			out[i].UID = ""
		}
		if out[i].GID == "0" {
			out[i].GID = ""
		}
	}
	return out
}

func normalPorts(ps []PortBinding) []PortBinding {
	if len(ps) == 0 {
		return nil
	}
	out := slices.Clone(ps)
	for i := range out {
		out[i].Protocol = cmp.Or(strings.ToLower(out[i].Protocol), "tcp")
	}
	slices.SortFunc(out, func(a, b PortBinding) int {
		return cmp.Or(cmp.Compare(a.ContainerPort, b.ContainerPort), cmp.Compare(a.Protocol, b.Protocol),
			cmp.Compare(a.HostIP, b.HostIP), cmp.Compare(a.HostPort, b.HostPort))
	})
	return slices.Compact(out)
}

// normalExpose writes each port as port/protocol and leaves out the
// published ones, which a container exposes anyway.
func normalExpose(expose []string, published []PortBinding) []string {
	var out []string
	for _, e := range expose {
		port, proto, _ := strings.Cut(strings.ToLower(e), "/")
		e = port + "/" + cmp.Or(proto, "tcp")
		if !slices.ContainsFunc(published, func(p PortBinding) bool {
			return e == strconv.Itoa(p.ContainerPort)+"/"+p.Protocol
		}) {
			out = append(out, e)
		}
	}
	return sortedSet(out)
}

// ByPriority orders network attachments as a container joins them: the
// highest Priority first, ties by name.
func ByPriority(a, b NetworkAttachment) int {
	return cmp.Or(cmp.Compare(b.Priority, a.Priority), cmp.Compare(a.Name, b.Name))
}

func normalNetworks(ns []NetworkAttachment) []NetworkAttachment {
	if len(ns) == 0 {
		return nil
	}
	out := slices.Clone(ns)
	slices.SortStableFunc(out, ByPriority)
	for i := range out {
		out[i].Aliases = sortedSet(out[i].Aliases)
		out[i].LinkLocalIPs = sortedSet(out[i].LinkLocalIPs)
		out[i].DriverOpts = nilIfEmpty(out[i].DriverOpts)
	}
	if len(out) == 1 && isZero(out[0], NetworkAttachment{Name: DefaultNetwork}) {
		return nil
	}
	return out
}

func isZero(a, b NetworkAttachment) bool {
	return a.Name == b.Name && len(a.Aliases) == 0 && a.IPv4Address == "" && a.IPv6Address == "" &&
		a.MacAddress == "" && len(a.LinkLocalIPs) == 0 && a.InterfaceName == "" && a.GatewayPriority == 0 &&
		len(a.DriverOpts) == 0 && !a.NoServiceAlias
}

func normalResources(r Resources) Resources {
	if r.Memory > 0 && r.MemorySwap == 2*r.Memory {
		r.MemorySwap = 0
	}
	if b := r.Blkio; b != nil {
		path := func(d ThrottleDevice) string { return d.Path }
		nb := Blkio{
			Weight:          b.Weight,
			WeightDevice:    sortedBy(b.WeightDevice, func(d WeightDevice) string { return d.Path }),
			DeviceReadBps:   sortedBy(b.DeviceReadBps, path),
			DeviceReadIOps:  sortedBy(b.DeviceReadIOps, path),
			DeviceWriteBps:  sortedBy(b.DeviceWriteBps, path),
			DeviceWriteIOps: sortedBy(b.DeviceWriteIOps, path),
		}
		r.Blkio = &nb
		if nb.Weight == 0 && nb.WeightDevice == nil && nb.DeviceReadBps == nil && nb.DeviceReadIOps == nil &&
			nb.DeviceWriteBps == nil && nb.DeviceWriteIOps == nil {
			r.Blkio = nil
		}
	}
	return r
}

func normalDevices(ds []Device) []Device {
	out := sortedBy(ds, func(d Device) string { return d.Target })
	for i := range out {
		if out[i].Permissions == "rwm" {
			out[i].Permissions = ""
		}
	}
	return out
}

func normalLogging(l *Logging) *Logging {
	if l == nil || (l.Driver == "" && len(l.Options) == 0) {
		return nil
	}
	return &Logging{Driver: l.Driver, Options: nilIfEmpty(l.Options)}
}

func normalRestart(p RestartPolicy) RestartPolicy {
	if p.Name == RestartNo {
		p.Name = ""
	}
	if p.Name != RestartOnFailure {
		p.MaxRetries = 0
	}
	return p
}
