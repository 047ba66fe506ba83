package proxy

import (
	"context"
	"time"
)

// startChecks makes b's health checker match w: started, restarted with
// new settings, or stopped when w has no path. A new checker starts from
// the counts a restored state left, or else from none. Callers hold p.mu.
func (p *Proxy) startChecks(b *backend, w want) {
	if c := b.check; c != nil && c.addr == w.addr && c.hc == w.hc {
		return
	}
	p.stopChecks(b)
	restored := b.restored
	b.restored = nil
	if w.hc.Path == "" || p.closed {
		// Nothing would ever bring an unchecked backend back.
		b.healthy.Store(true)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	c := &checker{addr: w.addr, hc: w.hc, stop: stop}
	if restored != nil {
		c.counts = *restored
	}
	b.check = c
	b.checked.Store(true)
	p.checks.Add(1)
	go p.runChecks(ctx, b, c)
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

// runChecks probes b with c's settings until ctx ends, the first at
// once, moving it out of rotation and back as the thresholds say.
func (p *Proxy) runChecks(ctx context.Context, b *backend, c *checker) {
	defer p.checks.Done()
	url := "http://" + c.addr + c.hc.Path
	tick := time.NewTicker(c.hc.Interval)
	defer tick.Stop()
	for {
		err := probe(ctx, p.probes, url, c.hc.Timeout)
		if ctx.Err() != nil {
			return
		}
		if changed, counts := c.count(b, err); changed {
			if err == nil {
				p.log.Info("backend healthy", "backend", b.id, "addr", c.addr)
			} else {
				p.log.Warn("backend unhealthy", "backend", b.id, "addr", c.addr, "failures", counts.failures, "err", err)
			}
			p.changed()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
