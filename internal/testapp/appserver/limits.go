package appserver

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// cgroupRoot is where a container sees its own cgroup.
const cgroupRoot = "/sys/fs/cgroup"

// limits answers the limits the kernel holds the app to, as read from
// its cgroup: under "cgroup" the version ("v1" or "v2"), then each
// limit that could be read, as the file has it ("max" or a number).
//
//	memory             the memory limit (v1 memory.limit_in_bytes, v2 memory.max)
//	memoryReservation  the soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low)
//	memorySwap         v1: memory and swap (memory.memsw.limit_in_bytes)
//	swapMax            v2: swap alone (memory.swap.max)
//	oomKillDisable     v1: "1" when the OOM killer is off
//	pids               the process limit (pids.max)
//	cpuQuota cpuPeriod the CPU bandwidth (v1 cpu.cfs_*_us, v2 cpu.max)
//	cpuShares          v1: the relative weight (cpu.shares)
//	cpuWeight          v2: the relative weight (cpu.weight)
//	cpuset             the CPUs it may run on
//	memorySwappiness   v1: memory.swappiness
//	blkioReadBps       v1: blkio.throttle.read_bps_device ("major:minor rate" lines)
//	ioMax              v2: io.max
func (s *Server) limits(w http.ResponseWriter, r *http.Request) {
	answerJSON(w, readLimits(cgroupRoot))
}

func readLimits(root string) map[string]string {
	out := map[string]string{}
	read := func(key, path string) {
		if b, err := os.ReadFile(filepath.Join(root, path)); err == nil {
			out[key] = strings.TrimSpace(string(b))
		}
	}
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		out["cgroup"] = "v2"
		read("memory", "memory.max")
		read("memoryReservation", "memory.low")
		read("swapMax", "memory.swap.max")
		read("pids", "pids.max")
		read("cpuWeight", "cpu.weight")
		read("cpuset", "cpuset.cpus.effective")
		read("ioMax", "io.max")
		if b, err := os.ReadFile(filepath.Join(root, "cpu.max")); err == nil {
			quota, period, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
			out["cpuQuota"], out["cpuPeriod"] = quota, period
		}
		return out
	}
	out["cgroup"] = "v1"
	read("memory", "memory/memory.limit_in_bytes")
	read("memoryReservation", "memory/memory.soft_limit_in_bytes")
	read("memorySwap", "memory/memory.memsw.limit_in_bytes")
	read("pids", "pids/pids.max")
	read("cpuQuota", "cpu/cpu.cfs_quota_us")
	read("cpuPeriod", "cpu/cpu.cfs_period_us")
	read("cpuShares", "cpu/cpu.shares")
	read("cpuset", "cpuset/cpuset.cpus")
	read("memorySwappiness", "memory/memory.swappiness")
	read("blkioReadBps", "blkio/blkio.throttle.read_bps_device")
	if b, err := os.ReadFile(filepath.Join(root, "memory/memory.oom_control")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "oom_kill_disable "); ok {
				out["oomKillDisable"] = strings.TrimSpace(v)
			}
		}
	}
	return out
}
