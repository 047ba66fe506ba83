package spec

import (
	"math"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// limits reads a service's resources: its own keys (cpus, mem_limit...)
// and deploy.resources, which must agree where both say the same thing,
// as compose-go requires.
func (p *parser) limits(c types.ServiceConfig, at func(...string) []string) driver.Resources {
	r := driver.Resources{
		NanoCPUs:           p.nanoCPUs(at("cpus"), float32(c.CPUS)),
		CPUShares:          c.CPUShares,
		CPUSet:             c.CPUSet,
		Memory:             p.bytes(at("mem_limit"), c.MemLimit),
		MemoryReservation:  p.bytes(at("mem_reservation"), c.MemReservation),
		MemorySwap:         int64(c.MemSwapLimit),
		PidsLimit:          c.PidsLimit,
		OomKillDisable:     c.OomKillDisable,
		OomScoreAdj:        int(c.OomScoreAdj),
		CPUPeriod:          c.CPUPeriod,
		CPUQuota:           c.CPUQuota,
		CPURealtimePeriod:  c.CPURTPeriod,
		CPURealtimeRuntime: c.CPURTRuntime,
		Blkio:              blkio(c.BlkioConfig),
	}
	if c.MemSwappiness != 0 {
		v := int64(c.MemSwappiness)
		if v < 0 || v > 100 {
			p.add(at("mem_swappiness"), "%d is out of range 0-100", v)
		}
		r.MemorySwappiness = &v
	}
	if c.OomScoreAdj < -1000 || c.OomScoreAdj > 1000 {
		p.add(at("oom_score_adj"), "%d is out of range -1000-1000", c.OomScoreAdj)
	}
	if c.Deploy == nil {
		return r
	}
	res := func(keys ...string) []string { return at(append([]string{"deploy", "resources"}, keys...)...) }
	if l := c.Deploy.Resources.Limits; l != nil {
		if n := p.nanoCPUs(res("limits", "cpus"), float32(l.NanoCPUs)); n != 0 {
			p.agree(res("limits", "cpus"), "cpus", r.NanoCPUs, n)
			r.NanoCPUs = n
		}
		if m := p.bytes(res("limits", "memory"), l.MemoryBytes); m != 0 {
			p.agree(res("limits", "memory"), "mem_limit", r.Memory, m)
			r.Memory = m
		}
		if l.Pids > 0 {
			p.agree(res("limits", "pids"), "pids_limit", r.PidsLimit, l.Pids)
			r.PidsLimit = l.Pids
		}
	}
	if v := c.Deploy.Resources.Reservations; v != nil {
		if m := p.bytes(res("reservations", "memory"), v.MemoryBytes); m != 0 {
			p.agree(res("reservations", "memory"), "mem_reservation", r.MemoryReservation, m)
			r.MemoryReservation = m
		}
		r.ReservedNanoCPUs = p.nanoCPUs(res("reservations", "cpus"), float32(v.NanoCPUs))
	}
	return r
}

// agree reports a deploy.resources value that differs from the same
// setting under its own key; zero is not set.
func (p *parser) agree(path []string, own string, was, is int64) {
	if was != 0 && was != is {
		p.add(path, "disagrees with %s; set one of them, or both alike", own)
	}
}

// nanoCPUs turns a number of CPUs into billionths of a CPU. The number
// arrives as a float32; going through its shortest decimal form makes
// 0.1 exactly 100000000.
func (p *parser) nanoCPUs(path []string, cpus float32) int64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(cpus), 'g', -1, 32), 64)
	if math.IsNaN(f) || f < 0 || f > 1<<20 {
		p.add(path, "%v is out of range", cpus)
		return 0
	}
	return int64(math.Round(f * 1e9))
}

// bytes reads a size that may not be negative.
func (p *parser) bytes(path []string, b types.UnitBytes) int64 {
	if b < 0 {
		p.add(path, "%d is negative", b)
		return 0
	}
	return int64(b)
}

// blkio reads blkio_config.
func blkio(b *types.BlkioConfig) *driver.Blkio {
	if b == nil {
		return nil
	}
	throttle := func(ts []types.ThrottleDevice) []driver.ThrottleDevice {
		var out []driver.ThrottleDevice
		for _, t := range ts {
			out = append(out, driver.ThrottleDevice{Path: t.Path, Rate: uint64(max(t.Rate, 0))})
		}
		return out
	}
	out := &driver.Blkio{
		Weight:          b.Weight,
		DeviceReadBps:   throttle(b.DeviceReadBps),
		DeviceReadIOps:  throttle(b.DeviceReadIOps),
		DeviceWriteBps:  throttle(b.DeviceWriteBps),
		DeviceWriteIOps: throttle(b.DeviceWriteIOps),
	}
	for _, w := range b.WeightDevice {
		out.WeightDevice = append(out.WeightDevice, driver.WeightDevice{Path: w.Path, Weight: w.Weight})
	}
	if out.Weight == 0 && out.WeightDevice == nil && out.DeviceReadBps == nil && out.DeviceReadIOps == nil &&
		out.DeviceWriteBps == nil && out.DeviceWriteIOps == nil {
		return nil
	}
	return out
}

// restart reads restart and deploy.restart_policy, which must agree
// when both are set; docker compose lets the second win.
func (p *parser) restart(c types.ServiceConfig, at func(...string) []string) driver.RestartPolicy {
	var r driver.RestartPolicy
	if c.Restart != "" {
		name, n, counted := strings.Cut(c.Restart, ":")
		switch name {
		case driver.RestartNo:
		case driver.RestartAlways, driver.RestartOnFailure, driver.RestartUnlessStopped:
			r.Name = name
		default:
			p.add(at("restart"), "%q is not one of no, always, on-failure, unless-stopped", c.Restart)
			return r
		}
		if counted {
			tries, err := strconv.Atoi(n)
			if err != nil || tries < 0 || name != driver.RestartOnFailure {
				p.add(at("restart"), "%q: only on-failure takes a count of retries (on-failure:3)", c.Restart)
				return driver.RestartPolicy{}
			}
			r.MaxRetries = tries
		}
	}
	if c.Deploy == nil || c.Deploy.RestartPolicy == nil {
		return r
	}
	rp := c.Deploy.RestartPolicy
	path := at("deploy", "restart_policy")
	var d driver.RestartPolicy
	switch rp.Condition {
	case "", "none", driver.RestartNo:
	case "any", driver.RestartAlways:
		d.Name = driver.RestartAlways
	case driver.RestartOnFailure, driver.RestartUnlessStopped:
		d.Name = rp.Condition
	default:
		p.add(join(path, "condition"), "%q is not one of none, on-failure, any", rp.Condition)
		return r
	}
	if rp.MaxAttempts != nil {
		d.MaxRetries = int(min(*rp.MaxAttempts, math.MaxInt32))
	}
	if rp.Delay != nil {
		d.Delay = p.nonNegative(join(path, "delay"), *rp.Delay)
	}
	if rp.Window != nil {
		d.Window = p.nonNegative(join(path, "window"), *rp.Window)
	}
	if c.Restart != "" && (r.Name != d.Name || r.MaxRetries != d.MaxRetries) {
		p.add(path, "disagrees with restart %q; set one of them, or both alike", c.Restart)
	}
	return d
}

// cluster reads what a service says about placing its replicas on the
// nodes of a cluster.
func (p *parser) cluster(c types.ServiceConfig, at func(...string) []string) Cluster {
	var out Cluster
	d := c.Deploy
	if d == nil {
		return out
	}
	out.Constraints = sortedSet(d.Placement.Constraints)
	for _, pref := range d.Placement.Preferences {
		out.Preferences = append(out.Preferences, pref.Spread)
	}
	out.MaxReplicasPerNode = d.Placement.MaxReplicas
	switch d.EndpointMode {
	case "", "vip", "dnsrr":
		out.EndpointMode = d.EndpointMode
	default:
		p.add(at("deploy", "endpoint_mode"), "%q is not one of vip, dnsrr", d.EndpointMode)
	}
	out.Labels = mapOf(d.Labels)
	if r := d.Resources.Reservations; r != nil {
		for _, g := range r.GenericResources {
			if s := g.DiscreteResourceSpec; s != nil {
				if out.GenericResources == nil {
					out.GenericResources = map[string]int64{}
				}
				out.GenericResources[s.Kind] += s.Value
			}
		}
	}
	return out
}
