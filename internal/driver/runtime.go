package driver

import "time"

// Runtime is how a replica runs beyond its image, command and
// environment: everything a Compose service says about its containers'
// mounts, ports, resources, identity and security. The zero value runs
// the image as it is, on the app's default network. Every field is
// applied by every driver or refused before a rollout starts (see
// Refuser); none is silently left out.
type Runtime struct {
	User       string `json:"user,omitempty"`
	WorkingDir string `json:"workingDir,omitempty"`
	Hostname   string `json:"hostname,omitempty"`
	DomainName string `json:"domainName,omitempty"`
	// ReadOnly mounts the root filesystem read-only.
	ReadOnly   bool     `json:"readOnly,omitempty"`
	Init       *bool    `json:"init,omitempty"`
	Privileged bool     `json:"privileged,omitempty"`
	CapAdd     []string `json:"capAdd,omitempty"`
	CapDrop    []string `json:"capDrop,omitempty"`
	// SecurityOpt are the daemon's security options as Compose writes
	// them ("no-new-privileges:true", "seccomp=unconfined").
	SecurityOpt []string `json:"securityOpt,omitempty"`
	// StopSignal is the signal that asks the process to stop; "" is
	// SIGTERM.
	StopSignal string `json:"stopSignal,omitempty"`
	// GroupAdd are extra groups of the process, by name or number.
	GroupAdd []string `json:"groupAdd,omitempty"`
	// IPC and PID are the namespace modes ("", "private", "shareable",
	// "host").
	IPC string `json:"ipc,omitempty"`
	PID string `json:"pid,omitempty"`

	Mounts []Mount `json:"mounts,omitempty"`
	// Files are written into the container before it starts: the
	// service's secrets and configs. Their content never leaves the
	// engine through a status or an API answer.
	Files []File `json:"files,omitempty"`
	// Ports are published on the host.
	Ports []PortBinding `json:"ports,omitempty"`
	// Expose lists container ports ("8080/tcp") declared without
	// publishing them.
	Expose []string `json:"expose,omitempty"`
	// Networks are the app networks the container joins, by their name
	// in the spec; empty means the app's default network only.
	Networks []NetworkAttachment `json:"networks,omitempty"`

	Resources Resources         `json:"resources,omitzero"`
	Ulimits   []Ulimit          `json:"ulimits,omitempty"`
	Sysctls   map[string]string `json:"sysctls,omitempty"`
	ShmSize   int64             `json:"shmSize,omitempty"` // bytes; 0 is the daemon's default

	ExtraHosts []string `json:"extraHosts,omitempty"` // "name:ip"
	DNS        []string `json:"dns,omitempty"`
	DNSSearch  []string `json:"dnsSearch,omitempty"`
	DNSOptions []string `json:"dnsOptions,omitempty"`
	Devices    []Device `json:"devices,omitempty"`

	Logging *Logging      `json:"logging,omitempty"`
	Restart RestartPolicy `json:"restart,omitzero"`

	// Annotations are OCI annotations on the container.
	Annotations map[string]string `json:"annotations,omitempty"`
	// TTY gives the process a terminal; StdinOpen keeps its standard
	// input open.
	TTY       bool `json:"tty,omitempty"`
	StdinOpen bool `json:"stdinOpen,omitempty"`
	// Cgroup ("host", "private"), UTS ("host") and UsernsMode ("host")
	// are namespace modes like IPC and PID; "" is the daemon's default.
	Cgroup     string `json:"cgroup,omitempty"`
	UTS        string `json:"uts,omitempty"`
	UsernsMode string `json:"usernsMode,omitempty"`
	// CgroupParent is the cgroup the container's own is made under.
	CgroupParent string `json:"cgroupParent,omitempty"`
	// OCIRuntime is the runtime the host runs the container with
	// ("runc", "runsc"); "" is the daemon's default.
	OCIRuntime string `json:"ociRuntime,omitempty"`
	// StorageOpt are the storage driver's options for the container's
	// root filesystem ("size": "10G").
	StorageOpt map[string]string `json:"storageOpt,omitempty"`
	// DeviceCgroupRules allow devices by cgroup rule ("c 1:3 mr").
	DeviceCgroupRules []string `json:"deviceCgroupRules,omitempty"`
}

// Mount types.
const (
	MountVolume = "volume" // a named volume of the app (Source names it)
	MountBind   = "bind"   // a path on the host
	MountTmpfs  = "tmpfs"  // memory
)

// Mount is a filesystem mounted into the container.
type Mount struct {
	Type string `json:"type"`
	// Source is the volume's name in the spec for a volume, the host
	// path for a bind, "" for a tmpfs.
	Source   string `json:"source,omitempty"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
	// NoCopy leaves a new volume empty instead of copying the image's
	// files at Target into it.
	NoCopy  bool   `json:"noCopy,omitempty"`
	Subpath string `json:"subpath,omitempty"`
	// Propagation ("rprivate", "shared"...) and SELinux ("z", "Z") are
	// for binds; CreateHostPath makes a missing host path a directory,
	// as a short-syntax bind does.
	Propagation    string `json:"propagation,omitempty"`
	SELinux        string `json:"selinux,omitempty"`
	CreateHostPath bool   `json:"createHostPath,omitempty"`
	// Recursive is how a bind treats mounts below its source:
	// "enabled" (""), "disabled", "writable" or "readonly".
	Recursive string `json:"recursive,omitempty"`
	// TmpfsSize (bytes) and TmpfsMode are for tmpfs; TmpfsOptions are
	// its other mount options as written ("noexec", "uid=1000").
	TmpfsSize    int64    `json:"tmpfsSize,omitempty"`
	TmpfsMode    uint32   `json:"tmpfsMode,omitempty"`
	TmpfsOptions []string `json:"tmpfsOptions,omitempty"`
}

// File is a secret or config placed in the container.
type File struct {
	// Target is the absolute path in the container.
	Target  string `json:"target"`
	Content []byte `json:"-"`
	UID     string `json:"uid,omitempty"`
	GID     string `json:"gid,omitempty"`
	Mode    uint32 `json:"mode"` // permission bits, 0444 when unset
	// Secret marks a secret's file, whose content is never shown.
	Secret bool `json:"secret,omitempty"`
}

// PortBinding publishes a container port on the host.
type PortBinding struct {
	HostIP string `json:"hostIP,omitempty"`
	// HostPort is "" for a port the host picks, or a number.
	HostPort      string `json:"hostPort,omitempty"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"` // tcp, udp or sctp
}

// NetworkAttachment joins the container to one of the app's networks.
type NetworkAttachment struct {
	Name        string   `json:"name"` // the network's name in the spec
	Aliases     []string `json:"aliases,omitempty"`
	IPv4Address string   `json:"ipv4Address,omitempty"`
	IPv6Address string   `json:"ipv6Address,omitempty"`
	// Priority orders the networks the container joins, highest first.
	Priority int `json:"priority,omitempty"`
	// MacAddress is a fixed MAC address on this network.
	MacAddress string `json:"macAddress,omitempty"`
	// LinkLocalIPs are extra link-local addresses.
	LinkLocalIPs []string `json:"linkLocalIPs,omitempty"`
	// InterfaceName names the interface in the container ("eth1").
	InterfaceName string `json:"interfaceName,omitempty"`
	// GatewayPriority picks the network the default route goes
	// through: the highest wins.
	GatewayPriority int               `json:"gatewayPriority,omitempty"`
	DriverOpts      map[string]string `json:"driverOpts,omitempty"`
	// NoServiceAlias leaves the service's name out of the names the
	// container answers to on this network (use_service_name_alias:
	// false).
	NoServiceAlias bool `json:"noServiceAlias,omitempty"`
}

// Resources are the container's limits and reservations.
type Resources struct {
	NanoCPUs          int64  `json:"nanoCPUs,omitempty"` // limit, in billionths of a CPU
	CPUShares         int64  `json:"cpuShares,omitempty"`
	CPUSet            string `json:"cpuSet,omitempty"`
	Memory            int64  `json:"memory,omitempty"` // limit, bytes
	MemoryReservation int64  `json:"memoryReservation,omitempty"`
	MemorySwap        int64  `json:"memorySwap,omitempty"` // -1 for unlimited
	PidsLimit         int64  `json:"pidsLimit,omitempty"`
	// ReservedNanoCPUs is a CPU reservation (deploy.resources.
	// reservations.cpus): a scheduling hint on a cluster, a relative
	// weight (CPU shares) on one Docker host.
	ReservedNanoCPUs int64 `json:"reservedNanoCPUs,omitempty"`
	OomKillDisable   bool  `json:"oomKillDisable,omitempty"`
	OomScoreAdj      int   `json:"oomScoreAdj,omitempty"`
	// CPUPeriod and CPUQuota (microseconds) are the CFS limit;
	// CPURealtimePeriod and CPURealtimeRuntime (microseconds) the
	// real-time one.
	CPUPeriod          int64 `json:"cpuPeriod,omitempty"`
	CPUQuota           int64 `json:"cpuQuota,omitempty"`
	CPURealtimePeriod  int64 `json:"cpuRealtimePeriod,omitempty"`
	CPURealtimeRuntime int64 `json:"cpuRealtimeRuntime,omitempty"`
	// MemorySwappiness is 0-100; nil leaves the daemon's default.
	MemorySwappiness *int64 `json:"memorySwappiness,omitempty"`
	// Blkio weighs and throttles block I/O.
	Blkio *Blkio `json:"blkio,omitempty"`
}

// Blkio is the container's block I/O weight and limits.
type Blkio struct {
	Weight          uint16           `json:"weight,omitempty"` // 10-1000
	WeightDevice    []WeightDevice   `json:"weightDevice,omitempty"`
	DeviceReadBps   []ThrottleDevice `json:"deviceReadBps,omitempty"`
	DeviceReadIOps  []ThrottleDevice `json:"deviceReadIOps,omitempty"`
	DeviceWriteBps  []ThrottleDevice `json:"deviceWriteBps,omitempty"`
	DeviceWriteIOps []ThrottleDevice `json:"deviceWriteIOps,omitempty"`
}

// WeightDevice is a block I/O weight for one device.
type WeightDevice struct {
	Path   string `json:"path"`
	Weight uint16 `json:"weight"`
}

// ThrottleDevice is a block I/O rate limit for one device, in bytes or
// operations per second.
type ThrottleDevice struct {
	Path string `json:"path"`
	Rate uint64 `json:"rate"`
}

// Ulimit is a resource limit of the process.
type Ulimit struct {
	Name string `json:"name"`
	Soft int64  `json:"soft"`
	Hard int64  `json:"hard"`
}

// Device is a host device made available in the container.
type Device struct {
	Source      string `json:"source"`
	Target      string `json:"target"`
	Permissions string `json:"permissions,omitempty"` // "rwm" when empty
}

// Logging is the container's log driver.
type Logging struct {
	Driver  string            `json:"driver,omitempty"`
	Options map[string]string `json:"options,omitempty"`
}

// Restart policies.
const (
	RestartNo            = "no"
	RestartAlways        = "always"
	RestartOnFailure     = "on-failure"
	RestartUnlessStopped = "unless-stopped"
)

// RestartPolicy is what the host does when a container exits. The
// engine replaces a replica that is gone or exited whatever it is.
type RestartPolicy struct {
	Name       string `json:"name,omitempty"` // "" is no
	MaxRetries int    `json:"maxRetries,omitempty"`
	// Delay and Window are deploy.restart_policy's, for drivers that
	// take them.
	Delay  time.Duration `json:"delay,omitempty"`
	Window time.Duration `json:"window,omitempty"`
}

// AppResources are what an app's containers share: its networks and
// its named volumes. Prepare makes them; volumes outlive every rollout
// and are removed only when Release is asked to.
type AppResources struct {
	Networks []Network `json:"networks,omitempty"`
	Volumes  []Volume  `json:"volumes,omitempty"`
}

// DefaultNetwork is the name of the network every app has.
const DefaultNetwork = "default"

// Network is one of an app's networks.
type Network struct {
	// Name is the network's name in the spec; DefaultNetwork is always
	// there, whether the spec declares it or not.
	Name string `json:"name"`
	// External names a network that exists on the host and is not the
	// app's: berth joins it and never creates or removes it.
	External string            `json:"external,omitempty"`
	Driver   string            `json:"driver,omitempty"`
	Options  map[string]string `json:"options,omitempty"`
	Internal bool              `json:"internal,omitempty"`
	IPv6     bool              `json:"ipv6,omitempty"`
	Subnets  []string          `json:"subnets,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	// FixedName is the network's name on the host when the spec sets
	// one (name:), in place of the one the driver derives from the app.
	// The network is still the app's: made and removed with it.
	FixedName string `json:"fixedName,omitempty"`
	// NoIPv4 makes an IPv6-only network (enable_ipv4: false).
	NoIPv4     bool `json:"noIPv4,omitempty"`
	Attachable bool `json:"attachable,omitempty"`
	// IPAMDriver, IPAMOptions and Pools are the ipam settings in full;
	// Subnets lists the pools' subnets.
	IPAMDriver  string            `json:"ipamDriver,omitempty"`
	IPAMOptions map[string]string `json:"ipamOptions,omitempty"`
	Pools       []IPAMPool        `json:"pools,omitempty"`
}

// IPAMPool is one address pool of a network.
type IPAMPool struct {
	Subnet       string            `json:"subnet,omitempty"`
	IPRange      string            `json:"ipRange,omitempty"`
	Gateway      string            `json:"gateway,omitempty"`
	AuxAddresses map[string]string `json:"auxAddresses,omitempty"`
}

// Volume is one of an app's named volumes.
type Volume struct {
	Name string `json:"name"` // its name in the spec
	// External names a volume that exists on the host and is not the
	// app's: berth mounts it and never creates or removes it.
	External string            `json:"external,omitempty"`
	Driver   string            `json:"driver,omitempty"`
	Options  map[string]string `json:"options,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	// FixedName is the volume's name on the host when the spec sets one
	// (name:), in place of the one the driver derives from the app. The
	// volume is still the app's: made with it, and removed only when
	// its volumes are.
	FixedName string `json:"fixedName,omitempty"`
}

// ReleaseOptions say what Release removes besides the app's networks.
type ReleaseOptions struct {
	// Volumes removes the app's own named volumes, and their data.
	Volumes bool
}
