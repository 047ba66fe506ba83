package proxy

import (
	"context"
	"time"
)

// startChecks makes b's health checker match w: started, restarted with
// new settings, or stopped when w has no path. Callers hold p.mu.
func (p *Proxy) startChecks(b *backend, w want) {
	if c := b.check; c != nil && c.addr == w.addr && c.hc == w.hc {
		return
	}
	p.stopChecks(b)
	if w.hc.Path == "" || p.closed {
		// Nothing would ever bring an unchecked backend back.
		b.healthy.Store(true)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	b.check = &checker{addr: w.addr, hc: w.hc, stop: stop}
	b.checked.Store(true)
	p.checks.Add(1)
	go p.runChecks(ctx, b, w.addr, w.hc)
}

// stopChecks stops b's health checker, if any; its health stays as it
// was. Callers hold p.mu.
func (p *Proxy) stopChecks(b *backend) {
	if b.check == nil {
		return
	}
	b.check.stop()
	b.check = nil
	b.checked.Store(false)
}

// runChecks probes b until ctx ends, moving it out of rotation and back
// as the thresholds say.
func (p *Proxy) runChecks(ctx context.Context, b *backend, addr string, hc HealthCheck) {
	defer p.checks.Done()
	url := "http://" + addr + hc.Path
	tick := time.NewTicker(hc.Interval)
	defer tick.Stop()
	passes, failures := 0, 0
	for {
		err := probe(ctx, p.probes, url, hc.Timeout)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			passes, failures = passes+1, 0
			if passes >= hc.HealthyThreshold && b.healthy.CompareAndSwap(false, true) {
				p.log.Info("backend healthy", "backend", b.id, "addr", addr)
			}
		} else {
			passes, failures = 0, failures+1
			if failures >= hc.UnhealthyThreshold && b.healthy.CompareAndSwap(true, false) {
				p.log.Warn("backend unhealthy", "backend", b.id, "addr", addr, "failures", failures, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
