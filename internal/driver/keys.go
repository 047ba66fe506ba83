package driver

import "slices"

// Keys names the Compose keys below a service that r sets, as a
// Refuser takes them ("user", "deploy.resources.limits.memory",
// "networks.mac_address"), sorted. A key two fields share (restart)
// appears once.
func (r Runtime) Keys() []string {
	var keys []string
	add := func(set bool, key string) {
		if set {
			keys = append(keys, key)
		}
	}
	add(r.User != "", "user")
	add(r.WorkingDir != "", "working_dir")
	add(r.Hostname != "", "hostname")
	add(r.DomainName != "", "domainname")
	add(r.ReadOnly, "read_only")
	add(r.Init != nil, "init")
	add(r.Privileged, "privileged")
	add(len(r.CapAdd) > 0, "cap_add")
	add(len(r.CapDrop) > 0, "cap_drop")
	add(len(r.SecurityOpt) > 0, "security_opt")
	add(r.StopSignal != "", "stop_signal")
	add(len(r.GroupAdd) > 0, "group_add")
	add(r.IPC != "", "ipc")
	add(r.PID != "", "pid")
	for _, m := range r.Mounts {
		add(m.Type == MountTmpfs, "tmpfs")
		add(m.Type != MountTmpfs, "volumes")
		add(m.Type == MountBind && m.Recursive != "" && m.Recursive != "enabled", "volumes.bind.recursive")
		add(m.Type == MountVolume && m.Subpath != "", "volumes.volume.subpath")
	}
	for _, f := range r.Files {
		add(f.Secret, "secrets")
		add(!f.Secret, "configs")
	}
	add(len(r.Ports) > 0, "ports")
	add(len(r.Expose) > 0, "expose")
	add(len(r.Networks) > 0, "networks")
	for _, n := range r.Networks {
		add(len(n.DriverOpts) > 0, "networks.driver_opts")
		add(n.GatewayPriority != 0, "networks.gw_priority")
		add(n.InterfaceName != "", "networks.interface_name")
		add(len(n.LinkLocalIPs) > 0, "networks.link_local_ips")
		add(n.MacAddress != "", "networks.mac_address")
	}
	keys = append(keys, r.Resources.keys()...)
	add(len(r.Ulimits) > 0, "ulimits")
	add(len(r.Sysctls) > 0, "sysctls")
	add(r.ShmSize != 0, "shm_size")
	add(len(r.ExtraHosts) > 0, "extra_hosts")
	add(len(r.DNS) > 0, "dns")
	add(len(r.DNSSearch) > 0, "dns_search")
	add(len(r.DNSOptions) > 0, "dns_opt")
	add(len(r.Devices) > 0, "devices")
	add(r.Logging != nil, "logging")
	add(r.Restart.Name != "" || r.Restart.MaxRetries != 0, "restart")
	add(r.Restart.Delay != 0, "deploy.restart_policy.delay")
	add(r.Restart.Window != 0, "deploy.restart_policy.window")
	add(len(r.Annotations) > 0, "annotations")
	add(r.TTY, "tty")
	add(r.StdinOpen, "stdin_open")
	add(r.Cgroup != "", "cgroup")
	add(r.UTS != "", "uts")
	add(r.UsernsMode != "", "userns_mode")
	add(r.CgroupParent != "", "cgroup_parent")
	add(r.OCIRuntime != "", "runtime")
	add(len(r.StorageOpt) > 0, "storage_opt")
	add(len(r.DeviceCgroupRules) > 0, "device_cgroup_rules")
	slices.Sort(keys)
	return slices.Compact(keys)
}

func (r Resources) keys() []string {
	var keys []string
	add := func(set bool, key string) {
		if set {
			keys = append(keys, key)
		}
	}
	add(r.NanoCPUs != 0, "deploy.resources.limits.cpus")
	add(r.Memory != 0, "deploy.resources.limits.memory")
	add(r.PidsLimit != 0, "deploy.resources.limits.pids")
	add(r.ReservedNanoCPUs != 0, "deploy.resources.reservations.cpus")
	add(r.MemoryReservation != 0, "deploy.resources.reservations.memory")
	add(r.CPUShares != 0, "cpu_shares")
	add(r.CPUSet != "", "cpuset")
	add(r.MemorySwap != 0, "memswap_limit")
	add(r.OomKillDisable, "oom_kill_disable")
	add(r.OomScoreAdj != 0, "oom_score_adj")
	add(r.CPUPeriod != 0, "cpu_period")
	add(r.CPUQuota != 0, "cpu_quota")
	add(r.CPURealtimePeriod != 0, "cpu_rt_period")
	add(r.CPURealtimeRuntime != 0, "cpu_rt_runtime")
	add(r.MemorySwappiness != nil, "mem_swappiness")
	add(r.Blkio != nil, "blkio_config")
	return keys
}
