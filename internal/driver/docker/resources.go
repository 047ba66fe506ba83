package docker

import (
	"cmp"
	"math"

	"github.com/docker/docker/api/types/blkiodev"
	"github.com/docker/docker/api/types/container"

	"github.com/berth-dev/berth/internal/driver"
)

// resourcesConfig returns the container's limits. A CPU reservation is
// a relative weight on one host: CPU shares, 1024 for a whole CPU,
// unless cpu_shares sets them.
func resourcesConfig(rt driver.Runtime) container.Resources {
	r := rt.Resources
	res := container.Resources{
		NanoCPUs:           r.NanoCPUs,
		CPUShares:          r.CPUShares,
		CpusetCpus:         r.CPUSet,
		Memory:             r.Memory,
		MemoryReservation:  r.MemoryReservation,
		MemorySwap:         r.MemorySwap,
		MemorySwappiness:   r.MemorySwappiness,
		CPUPeriod:          r.CPUPeriod,
		CPUQuota:           r.CPUQuota,
		CPURealtimePeriod:  r.CPURealtimePeriod,
		CPURealtimeRuntime: r.CPURealtimeRuntime,
		CgroupParent:       rt.CgroupParent,
		DeviceCgroupRules:  rt.DeviceCgroupRules,
	}
	if res.CPUShares == 0 && r.ReservedNanoCPUs > 0 {
		res.CPUShares = reservedShares(r.ReservedNanoCPUs)
	}
	if r.PidsLimit != 0 {
		res.PidsLimit = &r.PidsLimit
	}
	if r.OomKillDisable {
		res.OomKillDisable = &r.OomKillDisable
	}
	if b := r.Blkio; b != nil {
		res.BlkioWeight = b.Weight
		for _, w := range b.WeightDevice {
			res.BlkioWeightDevice = append(res.BlkioWeightDevice, &blkiodev.WeightDevice{Path: w.Path, Weight: w.Weight})
		}
		res.BlkioDeviceReadBps = throttles(b.DeviceReadBps)
		res.BlkioDeviceReadIOps = throttles(b.DeviceReadIOps)
		res.BlkioDeviceWriteBps = throttles(b.DeviceWriteBps)
		res.BlkioDeviceWriteIOps = throttles(b.DeviceWriteIOps)
	}
	for _, dev := range rt.Devices {
		res.Devices = append(res.Devices, container.DeviceMapping{
			PathOnHost: dev.Source, PathInContainer: cmp.Or(dev.Target, dev.Source),
			// The daemon takes no permissions as none at all.
			CgroupPermissions: cmp.Or(dev.Permissions, "rwm"),
		})
	}
	for _, u := range rt.Ulimits {
		res.Ulimits = append(res.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	return res
}

func throttles(ds []driver.ThrottleDevice) []*blkiodev.ThrottleDevice {
	var out []*blkiodev.ThrottleDevice
	for _, d := range ds {
		out = append(out, &blkiodev.ThrottleDevice{Path: d.Path, Rate: d.Rate})
	}
	return out
}

// reservedShares is the CPU weight of a reservation of nanos
// billionths of a CPU, at least 2, the daemon's least.
func reservedShares(nanos int64) int64 {
	return max(2, int64(math.Round(float64(nanos)*1024/1e9)))
}
