package memory

import (
	"context"
	"time"
)

// checkHealth runs the container's health check as Docker does: the
// check's command every Interval, each within Timeout; a pass makes the
// container healthy, Retries failures in a row unhealthy, and failures
// within StartPeriod do not count. A check is the image's program run
// with the check's arguments ("CMD", args...); a check the image cannot
// run (a "CMD-SHELL" one: a program has no shell) fails with 127.
func (d *Driver) checkHealth(ctx context.Context, c *container, exited chan struct{}, ip string) {
	h := c.spec.Health
	interval, timeout := or(h.Interval, 30*time.Second), or(h.Timeout, 30*time.Second)
	retries := h.Retries
	if retries <= 0 {
		retries = 3
	}
	begun := time.Now()
	failures := 0
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-exited:
			return
		case <-t.C:
		}
		code := d.runCheck(ctx, c, ip, timeout)
		d.mu.Lock()
		select {
		case <-exited:
			d.mu.Unlock()
			return
		default:
		}
		switch {
		case code == 0:
			failures = 0
			c.inst.Health = "healthy"
		case time.Since(begun) < h.StartPeriod:
		default:
			failures++
			if failures >= retries {
				c.inst.Health = "unhealthy"
			}
		}
		d.mu.Unlock()
	}
}

// runCheck runs the health check once and returns its exit code.
func (d *Driver) runCheck(ctx context.Context, c *container, ip string, timeout time.Duration) int {
	test := c.spec.Health.Test
	if len(test) < 2 || test[0] != "CMD" || test[1] != c.img.Path {
		return 127
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p := &Process{Args: test[1:], Env: append(append([]string(nil), c.img.Env...), c.spec.Env...), IP: ip,
		Stdout: discard{}, conns: newConns()}
	defer p.conns.kill()
	code := make(chan int, 1)
	go func() { code <- c.img.Program(ctx, p) }()
	select {
	case n := <-code:
		return n
	case <-ctx.Done():
		return 1
	}
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
