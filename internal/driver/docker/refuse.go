package docker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// clusterOnly are the service keys only a driver that places
// containers on the nodes of a cluster applies, with why.
var clusterOnly = map[string]string{
	"deploy.placement":     "it chooses nodes of a cluster, and the docker driver runs every container on its one Docker host",
	"deploy.endpoint_mode": "it says how a Swarm service is reached, and on one Docker host berth's proxy reaches each container itself",
	"deploy.labels":        "they label a cluster's service object, which the docker driver does not make (labels label the containers)",
	"deploy.resources.reservations.generic_resources": "they are resources a cluster's nodes advertise, and one Docker host advertises none",
	"deploy.restart_policy.delay":                     "the Docker daemon restarts a container after its own back-off (100ms, doubling) and takes no delay; docker compose leaves it out on one host",
	"deploy.restart_policy.window":                    "the Docker daemon counts every restart and takes no window; docker compose leaves it out on one host",
}

// sinceAPI are the service keys the daemon applies from an API
// version on, with the Docker release that brought it.
var sinceAPI = map[string]struct{ api, release string }{
	"healthcheck.start_interval": {"1.44", "25.0"},
	"volumes.bind.recursive":     {"1.44", "25.0"},
	"volumes.volume.subpath":     {"1.45", "26.0"},
	"annotations":                {"1.46", "27.0"},
	"networks.gw_priority":       {"1.48", "28.0"},
	"networks.interface_name":    {"1.49", "28.1"},
}

// Refuses says why the driver does not apply the Compose service key at
// path on its host, or "" when it does. It refuses the keys of cluster
// drivers (deploy.placement, deploy.endpoint_mode, deploy.labels,
// deploy.resources.reservations.generic_resources) and
// deploy.restart_policy's delay and window, which the daemon has no
// setting for; and, asking the daemon the first time, the keys its API
// version or its host cannot apply: healthcheck.start_interval,
// volumes.bind.recursive, volumes.volume.subpath, annotations,
// networks.gw_priority and networks.interface_name on an older daemon,
// privileged where the daemon itself lacks a capability, storage_opt
// on overlay2 over another filesystem than xfs,
// memswap_limit, oom_kill_disable and mem_swappiness where the kernel's
// cgroups lack them, and cpu_rt_runtime and cpu_rt_period where the
// daemon's containers have no real-time CPU time. Start fails with the
// same reason when its spec sets a refused key.
func (d *Driver) Refuses(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := d.hostInfo(ctx)
	if err != nil {
		h = nil // only what needs no daemon; Start will say what is wrong
	}
	return refusal(h, path)
}

// refusal is why the driver refuses path on host h (nil when unknown).
func refusal(h *hostInfo, path string) string {
	for key, why := range clusterOnly {
		if path == key || strings.HasPrefix(path, key+".") {
			return fmt.Sprintf("the docker driver does not apply %s: %s", path, why)
		}
	}
	if h == nil {
		return ""
	}
	if v, ok := sinceAPI[path]; ok && !h.atLeast(v.api) {
		return fmt.Sprintf("the docker driver cannot apply %s on this host: the daemon speaks Docker Engine API %s, and %s needs %s (Docker %s or later)",
			path, h.api, path, v.api, v.release)
	}
	switch path {
	case "privileged":
		if len(h.missingCaps) > 0 {
			return fmt.Sprintf("the docker driver cannot apply privileged on this host: the Docker daemon itself runs without %s, so it cannot give a container every capability", strings.Join(h.missingCaps, ", "))
		}
	case "storage_opt":
		if h.storageDriver == "overlay2" && h.backingFS != "xfs" {
			return fmt.Sprintf("the docker driver cannot apply storage_opt on this host: the daemon's overlay2 storage is on %s, and it limits a container's filesystem only on xfs mounted with pquota", h.backingFS)
		}
	case "memswap_limit":
		if !h.swapLimit {
			return "the docker driver cannot apply memswap_limit on this host: the kernel does not account swap in the container's cgroup"
		}
	case "oom_kill_disable":
		if !h.oomKillDisable {
			return fmt.Sprintf("the docker driver cannot apply oom_kill_disable on this host: cgroup v%s has no setting to disable the OOM killer", h.cgroup)
		}
	case "mem_swappiness":
		if h.cgroup != "1" {
			return fmt.Sprintf("the docker driver cannot apply mem_swappiness on this host: cgroup v%s has no per-container swappiness", h.cgroup)
		}
	case "cpu_rt_runtime", "cpu_rt_period":
		switch {
		case h.cgroup != "1":
			return fmt.Sprintf("the docker driver cannot apply %s on this host: cgroup v%s has no real-time CPU scheduling per container", path, h.cgroup)
		case h.rtBudget == 0:
			return fmt.Sprintf("the docker driver cannot apply %s on this host: the daemon gives its containers no real-time CPU time (set cpu-rt-runtime in /etc/docker/daemon.json)", path)
		}
	}
	return ""
}

// refusedKeys returns the keys behind spec that the driver may refuse,
// for Start to check.
func refusedKeys(spec driver.ContainerSpec) []string {
	keys := spec.Runtime.Keys()
	if spec.Health != nil && spec.Health.StartInterval > 0 {
		keys = append(keys, "healthcheck.start_interval")
	}
	return keys
}

// checkRefused fails when spec sets a key the driver refuses on h.
func checkRefused(h *hostInfo, spec driver.ContainerSpec) error {
	for _, key := range refusedKeys(spec) {
		if why := refusal(h, key); why != "" {
			return fmt.Errorf("starting %s/%s: %s", spec.App, spec.Service, why)
		}
	}
	return nil
}
