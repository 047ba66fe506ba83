package docker

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"

	"github.com/berth-dev/berth/internal/driver"
)

// createRequest is what the daemon is asked to make for one replica:
// the container, its first network, and the networks it joins before
// it starts.
type createRequest struct {
	config  *container.Config
	host    *container.HostConfig
	network *network.NetworkingConfig
	// join are the other networks, in the order to join them.
	join []joinNetwork
}

type joinNetwork struct {
	name     string // on the host
	endpoint *network.EndpointSettings
}

// containerConfig turns spec into the daemon's create request, as
// docker compose turns a service into one (pkg/compose/create.go):
// objs names the app's networks and volumes on the host. The mounts of
// its secrets and configs are added by create.
func (d *Driver) containerConfig(h *hostInfo, spec driver.ContainerSpec, objs *appObjects) (*createRequest, error) {
	rt := spec.Runtime
	req := &createRequest{}
	nets, err := d.endpoints(h, spec, objs)
	if err != nil {
		return nil, err
	}
	mounts, err := mountConfig(h, rt.Mounts, objs)
	if err != nil {
		return nil, err
	}
	exposed, bindings, err := portConfig(rt)
	if err != nil {
		return nil, err
	}

	own := map[string]string{
		driver.LabelManaged:  "1",
		driver.LabelApp:      spec.App,
		driver.LabelService:  spec.Service,
		driver.LabelRevision: strconv.Itoa(spec.Revision),
		driver.LabelSet:      spec.Set,
		driver.LabelIndex:    strconv.Itoa(spec.Index),
		LabelNetworks:        networkLabel(nets),
	}
	if spec.Port > 0 {
		own[LabelPort] = strconv.Itoa(spec.Port)
	}
	if v := volumeLabel(rt.Mounts, objs); v != "" {
		own[LabelVolumes] = v
	}
	var macs []driver.NetworkAttachment
	for _, n := range rt.Networks {
		if n.MacAddress != "" {
			macs = append(macs, n)
		}
	}
	if len(macs) > 0 {
		own[LabelMACs] = pairs(macs, func(n driver.NetworkAttachment) (string, string) { return n.Name, n.MacAddress })
	}
	if r := rt.Resources.ReservedNanoCPUs; r > 0 {
		own[LabelReservedCPUs] = strconv.FormatInt(r, 10)
	}
	req.config = &container.Config{
		Image:        spec.Image,
		Env:          spec.Env,
		Labels:       d.objectLabels(spec.Labels, own),
		StopSignal:   cmp.Or(rt.StopSignal, "SIGTERM"),
		StopTimeout:  seconds(spec.StopGrace),
		Healthcheck:  healthConfig(spec.Health),
		User:         rt.User,
		WorkingDir:   rt.WorkingDir,
		Hostname:     rt.Hostname,
		Domainname:   rt.DomainName,
		Tty:          rt.TTY,
		OpenStdin:    rt.StdinOpen,
		AttachStdout: true,
		AttachStderr: true,
		ExposedPorts: exposed,
	}
	if len(spec.Entrypoint) > 0 {
		req.config.Entrypoint = spec.Entrypoint
	}
	if len(spec.Command) > 0 {
		req.config.Cmd = spec.Command
	}
	securityOpt, unconfined := securityOptions(rt.SecurityOpt)
	req.host = &container.HostConfig{
		NetworkMode:    container.NetworkMode(nets[0].host),
		RestartPolicy:  restartPolicy(rt.Restart),
		Mounts:         mounts.mounts,
		Binds:          mounts.binds,
		Tmpfs:          mounts.tmpfs,
		PortBindings:   bindings,
		CapAdd:         rt.CapAdd,
		CapDrop:        rt.CapDrop,
		SecurityOpt:    securityOpt,
		Privileged:     rt.Privileged,
		ReadonlyRootfs: rt.ReadOnly,
		Init:           rt.Init,
		IpcMode:        container.IpcMode(rt.IPC),
		PidMode:        container.PidMode(rt.PID),
		UTSMode:        container.UTSMode(rt.UTS),
		UsernsMode:     container.UsernsMode(rt.UsernsMode),
		CgroupnsMode:   container.CgroupnsMode(rt.Cgroup),
		Runtime:        rt.OCIRuntime,
		StorageOpt:     rt.StorageOpt,
		ShmSize:        rt.ShmSize,
		Sysctls:        rt.Sysctls,
		ExtraHosts:     rt.ExtraHosts,
		DNS:            rt.DNS,
		DNSSearch:      rt.DNSSearch,
		DNSOptions:     rt.DNSOptions,
		GroupAdd:       rt.GroupAdd,
		OomScoreAdj:    rt.Resources.OomScoreAdj,
		Annotations:    rt.Annotations,
		Resources:      resourcesConfig(rt),
	}
	if unconfined {
		req.host.MaskedPaths, req.host.ReadonlyPaths = []string{}, []string{}
	}
	if rt.Logging != nil {
		req.host.LogConfig = container.LogConfig{Type: rt.Logging.Driver, Config: rt.Logging.Options}
	}

	// The first network is the container's own at creation; before API
	// 1.44 the daemon takes no other there, and the container joins the
	// rest before it starts, as docker compose does.
	if !h.atLeast("1.44") {
		if mac := nets[0].endpoint.MacAddress; mac != "" {
			//lint:ignore SA1019 the only place for a MAC address before API 1.44
			req.config.MacAddress = mac
			nets[0].endpoint.MacAddress = ""
		}
		for _, n := range nets[1:] {
			if n.endpoint.MacAddress != "" {
				return nil, fmt.Errorf("network %s: the daemon speaks Docker Engine API %s, which sets a MAC address on the first network only (a MAC address on others needs 1.44, Docker 25.0)", n.spec, h.api)
			}
		}
	}
	req.network = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{nets[0].host: nets[0].endpoint}}
	for _, n := range nets[1:] {
		req.join = append(req.join, joinNetwork{name: n.host, endpoint: n.endpoint})
	}
	return req, nil
}

// attachment is one network the container joins.
type attachment struct {
	spec, host string
	priority   int
	endpoint   *network.EndpointSettings
}

// endpoints returns the networks the container joins, in order: the
// highest priority first, ties by name, the default network alone when
// the spec names none.
func (d *Driver) endpoints(h *hostInfo, spec driver.ContainerSpec, objs *appObjects) ([]attachment, error) {
	want := spec.Runtime.Networks
	if len(want) == 0 {
		want = []driver.NetworkAttachment{{Name: driver.DefaultNetwork}}
	}
	want = sortedNetworks(want)
	out := make([]attachment, 0, len(want))
	for _, n := range want {
		host, ok := objs.networks[n.Name]
		if !ok {
			return nil, fmt.Errorf("network %s is not one of app %s's networks (Prepare makes them): %w", n.Name, spec.App, driver.ErrNotFound)
		}
		ep := &network.EndpointSettings{MacAddress: n.MacAddress, DriverOpts: n.DriverOpts, GwPriority: n.GatewayPriority}
		if !n.NoServiceAlias {
			ep.Aliases = append(ep.Aliases, spec.Service)
		}
		ep.Aliases = append(ep.Aliases, n.Aliases...)
		if n.IPv4Address != "" || n.IPv6Address != "" || len(n.LinkLocalIPs) > 0 {
			ep.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: n.IPv4Address, IPv6Address: n.IPv6Address, LinkLocalIPs: n.LinkLocalIPs}
		}
		if n.InterfaceName != "" {
			ep.DriverOpts = cloneWith(ep.DriverOpts, "com.docker.network.endpoint.ifname", n.InterfaceName)
		}
		out = append(out, attachment{spec: n.Name, host: host, priority: n.Priority, endpoint: ep})
	}
	return out, nil
}

func sortedNetworks(ns []driver.NetworkAttachment) []driver.NetworkAttachment {
	out := append([]driver.NetworkAttachment(nil), ns...)
	slices.SortStableFunc(out, driver.ByPriority)
	return out
}

func cloneWith(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	maps.Copy(out, m)
	out[k] = v
	return out
}

// portConfig returns the ports the container exposes (the published
// ones among them, as docker compose does) and its published ones.
func portConfig(rt driver.Runtime) (nat.PortSet, nat.PortMap, error) {
	exposed := nat.PortSet{}
	bindings := nat.PortMap{}
	for _, p := range rt.Ports {
		port, err := nat.NewPort(cmp.Or(p.Protocol, "tcp"), strconv.Itoa(p.ContainerPort))
		if err != nil {
			return nil, nil, fmt.Errorf("port %d/%s: %w", p.ContainerPort, p.Protocol, err)
		}
		exposed[port] = struct{}{}
		bindings[port] = append(bindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: p.HostPort})
	}
	for _, e := range rt.Expose {
		num, proto, _ := strings.Cut(e, "/")
		port, err := nat.NewPort(cmp.Or(proto, "tcp"), num)
		if err != nil {
			return nil, nil, fmt.Errorf("exposed port %s: %w", e, err)
		}
		exposed[port] = struct{}{}
	}
	if len(exposed) == 0 {
		exposed = nil
	}
	if len(bindings) == 0 {
		bindings = nil
	}
	return exposed, bindings, nil
}

// restartPolicy is the daemon's for p; "" is no.
func restartPolicy(p driver.RestartPolicy) container.RestartPolicy {
	rp := container.RestartPolicy{Name: container.RestartPolicyMode(cmp.Or(p.Name, driver.RestartNo))}
	if p.Name == driver.RestartOnFailure {
		rp.MaximumRetryCount = p.MaxRetries
	}
	return rp
}

// securityOptions returns the options for the daemon and whether
// systempaths=unconfined, which docker compose applies by unmasking
// /proc and /sys rather than passing it on, was among them.
func securityOptions(opts []string) ([]string, bool) {
	var out []string
	unconfined := false
	for _, o := range opts {
		if o == "systempaths=unconfined" {
			unconfined = true
			continue
		}
		out = append(out, o)
	}
	return out, unconfined
}

// seconds rounds a grace period up to whole seconds, as the daemon
// counts them; zero or less means the daemon's default (10s).
func seconds(grace time.Duration) *int {
	if grace <= 0 {
		return nil
	}
	s := int(math.Ceil(grace.Seconds()))
	return &s
}

func healthConfig(h *driver.Healthcheck) *container.HealthConfig {
	if h == nil {
		return nil
	}
	return &container.HealthConfig{
		Test:          h.Test,
		Interval:      h.Interval,
		Timeout:       h.Timeout,
		Retries:       h.Retries,
		StartPeriod:   h.StartPeriod,
		StartInterval: h.StartInterval,
	}
}
