package drivertest

import (
	"cmp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// limitIs returns an inside check that the cgroup limit key is want on
// cgroup v1 and want2 on v2 ("" for: not checked there).
func limitIs(key, want, key2, want2 string) func(*testing.T, *suite, driver.Driver, driver.Instance) {
	return func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
		l := appLimits(t, inst)
		k, w := key, want
		if l["cgroup"] == "v2" {
			k, w = key2, want2
		}
		if w == "" {
			return
		}
		if got, ok := l[k]; !ok || got != w {
			t.Fatalf("the cgroup's %s is %q, want %q (cgroup %s: %v)", k, got, w, l["cgroup"], l)
		}
	}
}

func resourceCases() []runtimeCase {
	ten := int64(10)
	mem := func(r *driver.Runtime) { r.Resources.Memory = 64 << 20 }
	return []runtimeCase{
		{
			name: "deploy.resources.limits.memory limits memory", key: "deploy.resources.limits.memory",
			set:    rt(mem),
			inside: limitIs("memory", "67108864", "memory", "67108864"),
		},
		{
			name: "deploy.resources.reservations.memory sets the soft limit", key: "deploy.resources.reservations.memory",
			set:    rt(func(r *driver.Runtime) { r.Resources.MemoryReservation = 32 << 20 }),
			inside: limitIs("memoryReservation", "33554432", "memoryReservation", "33554432"),
		},
		{
			name: "deploy.resources.limits.pids limits processes", key: "deploy.resources.limits.pids",
			set:    rt(func(r *driver.Runtime) { r.Resources.PidsLimit = 64 }),
			inside: limitIs("pids", "64", "pids", "64"),
		},
		{
			name: "deploy.resources.limits.cpus limits CPU time", key: "deploy.resources.limits.cpus",
			set:    rt(func(r *driver.Runtime) { r.Resources.NanoCPUs = 500_000_000 }),
			inside: limitIs("cpuQuota", "50000", "cpuQuota", "50000"),
		},
		{
			name: "cpu_shares sets the CPU weight", key: "cpu_shares",
			set:    rt(func(r *driver.Runtime) { r.Resources.CPUShares = 512 }),
			inside: limitIs("cpuShares", "512", "cpuWeight", "20"),
		},
		{
			name: "deploy.resources.reservations.cpus weighs the CPU on one host", key: "deploy.resources.reservations.cpus",
			set:    rt(func(r *driver.Runtime) { r.Resources.ReservedNanoCPUs = 500_000_000 }),
			inside: limitIs("cpuShares", "512", "cpuWeight", "20"),
		},
		{
			name: "cpuset pins the CPUs", key: "cpuset",
			set:    rt(func(r *driver.Runtime) { r.Resources.CPUSet = "0" }),
			inside: limitIs("cpuset", "0", "cpuset", "0"),
		},
		{
			name: "cpu_period sets the CFS period", key: "cpu_period",
			set:    rt(func(r *driver.Runtime) { r.Resources.CPUPeriod = 50_000 }),
			inside: limitIs("cpuPeriod", "50000", "cpuPeriod", "50000"),
		},
		{
			name: "cpu_quota sets the CFS quota", key: "cpu_quota",
			set:    rt(func(r *driver.Runtime) { r.Resources.CPUQuota = 25_000 }),
			inside: limitIs("cpuQuota", "25000", "cpuQuota", "25000"),
		},
		{
			name: "cpu_rt_runtime gives real-time CPU time", key: "cpu_rt_runtime",
			set: rt(func(r *driver.Runtime) { r.Resources.CPURealtimeRuntime = 10_000 }),
		},
		{
			name: "cpu_rt_period sets the real-time period", key: "cpu_rt_period",
			set: rt(func(r *driver.Runtime) { r.Resources.CPURealtimePeriod = 500_000 }),
		},
		{
			name: "memswap_limit limits memory and swap", key: "memswap_limit",
			set: rt(func(r *driver.Runtime) {
				mem(r)
				r.Resources.MemorySwap = 128 << 20
			}),
			inside: limitIs("memorySwap", "134217728", "swapMax", "67108864"),
		},
		{
			name: "mem_swappiness sets the swappiness", key: "mem_swappiness",
			set:    rt(func(r *driver.Runtime) { r.Resources.MemorySwappiness = &ten }),
			inside: limitIs("memorySwappiness", "10", "", ""),
		},
		{
			name: "oom_kill_disable disables the OOM killer", key: "oom_kill_disable",
			set: rt(func(r *driver.Runtime) {
				mem(r)
				r.Resources.OomKillDisable = true
			}),
			inside: limitIs("oomKillDisable", "1", "", ""),
		},
		{
			name: "oom_score_adj sets the OOM score adjustment", key: "oom_score_adj",
			set: rt(func(r *driver.Runtime) { r.Resources.OomScoreAdj = 500 }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/proc/self/oom_score_adj").Content; got != "500\n" {
					t.Fatalf("oom_score_adj is %q, want 500", got)
				}
			},
		},
		{
			name: "blkio_config throttles reads from a device", key: "blkio_config",
			needs: func(env Env) string { return missing(env.BlockDevice == "", "BlockDevice") },
			set: func(t *testing.T, s *suite, spec *driver.ContainerSpec) {
				dev := cmp.Or(s.env.BlockDevice, "/dev/vda")
				spec.Runtime.Resources.Blkio = &driver.Blkio{DeviceReadBps: []driver.ThrottleDevice{{Path: dev, Rate: 1 << 20}}}
			},
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				l := appLimits(t, inst)
				got, want := l["blkioReadBps"], " 1048576"
				if l["cgroup"] == "v2" {
					got, want = l["ioMax"], "rbps=1048576"
				}
				if !strings.Contains(got, want) {
					t.Fatalf("the block I/O limits are %q, want %q among them", got, want)
				}
			},
		},
	}
}
