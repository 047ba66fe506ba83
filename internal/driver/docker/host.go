package docker

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/versions"
)

// hostInfo is what the daemon can apply, learnt once from it.
type hostInfo struct {
	// api is the API version the client and the daemon agreed on.
	api string
	// cgroup is the cgroup version, "1" or "2".
	cgroup         string
	swapLimit      bool
	oomKillDisable bool
	// storageDriver and backingFS are the daemon's storage driver and
	// the filesystem under it ("overlay2" on "extfs").
	storageDriver, backingFS string
	loggingDriver            string
	defaultRuntime           string
	// rtBudget is the real-time CPU time (µs per period) the daemon's
	// cgroup hands its containers: 0 for none, -1 when unknown.
	rtBudget int64
	// missingCaps are the capabilities the daemon itself lacks, and so
	// cannot give a container (nil when unknown or none).
	missingCaps []string
}

// atLeast reports whether the daemon speaks API version v or later.
func (h *hostInfo) atLeast(v string) bool { return versions.GreaterThanOrEqualTo(h.api, v) }

// hostRetry is how long a daemon that did not answer is not asked
// again: Refuses is asked about many keys in a row.
const hostRetry = 5 * time.Second

// hostInfo asks the daemon what it can apply, the first time only.
func (d *Driver) hostInfo(ctx context.Context) (*hostInfo, error) {
	d.mu.Lock()
	h, lastErr, failed := d.host, d.hostErr, d.hostErrAt
	d.mu.Unlock()
	if h != nil {
		return h, nil
	}
	if lastErr != nil && time.Since(failed) < hostRetry {
		return nil, lastErr
	}
	d.client.NegotiateAPIVersion(ctx)
	info, err := d.client.Info(ctx)
	if err != nil {
		err = fmt.Errorf("asking the docker daemon what it supports: %w", err)
		d.mu.Lock()
		d.hostErr, d.hostErrAt = err, time.Now()
		d.mu.Unlock()
		return nil, err
	}
	h = &hostInfo{
		api:            d.client.ClientVersion(),
		cgroup:         info.CgroupVersion,
		swapLimit:      info.SwapLimit,
		oomKillDisable: info.OomKillDisable,
		storageDriver:  info.Driver,
		loggingDriver:  info.LoggingDriver,
		defaultRuntime: info.DefaultRuntime,
		rtBudget:       -1,
	}
	for _, kv := range info.DriverStatus {
		if kv[0] == "Backing Filesystem" {
			h.backingFS = kv[1]
		}
	}
	if h.cgroup == "" {
		h.cgroup = "1"
	}
	// A daemon on this machine shows more of what it can do.
	if strings.HasPrefix(d.client.DaemonHost(), "unix://") {
		if h.cgroup == "1" && info.CgroupDriver == "cgroupfs" {
			h.rtBudget = readRTBudget("/sys/fs/cgroup/cpu/docker/cpu.rt_runtime_us")
		}
		h.missingCaps = daemonMissingCaps("/var/run/docker.pid", "/proc/sys/kernel/cap_last_cap")
	}
	d.mu.Lock()
	d.host = h
	d.mu.Unlock()
	return h, nil
}

// readRTBudget reads a cgroup's real-time CPU runtime, -1 when it
// cannot.
func readRTBudget(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// capNames are the Linux capabilities by number (linux/capability.h).
var capNames = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// daemonMissingCaps returns the capabilities the kernel has and the
// daemon whose pid is in pidFile lacks in its bounding set, nil when
// it cannot tell.
func daemonMissingCaps(pidFile, lastCapFile string) []string {
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		return nil
	}
	status, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/status")
	if err != nil {
		return nil
	}
	last, err := os.ReadFile(lastCapFile)
	if err != nil {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(last)))
	if err != nil || n < 0 || n > 63 {
		return nil
	}
	return missingCaps(string(status), n)
}

// missingCaps reads CapBnd in a /proc status file and returns the
// capabilities up to lastCap it lacks.
func missingCaps(status string, lastCap int) []string {
	for _, line := range strings.Split(status, "\n") {
		v, ok := strings.CutPrefix(line, "CapBnd:")
		if !ok {
			continue
		}
		bound, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil {
			return nil
		}
		var missing []string
		for c := 0; c <= lastCap; c++ {
			if bound&(1<<c) == 0 {
				name := "capability " + strconv.Itoa(c)
				if c < len(capNames) {
					name = "CAP_" + capNames[c]
				}
				missing = append(missing, name)
			}
		}
		return missing
	}
	return nil
}
