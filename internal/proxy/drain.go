package proxy

import (
	"context"
	"fmt"
	"time"
)

// Drain waits until the backend has no request in flight. It returns at
// once for a backend the proxy does not know or that is idle, and refuses
// with ErrStillRouted a backend that is still in a route. After
// Options.DrainTimeout it cuts the requests still in flight and returns a
// *DrainError; when ctx ends first it returns ctx's error and cuts
// nothing.
func (p *Proxy) Drain(ctx context.Context, backendID string) error {
	p.mu.Lock()
	b := p.backends[backendID]
	p.mu.Unlock()
	if b == nil {
		return nil
	}
	timeout := time.NewTimer(p.opts.DrainTimeout)
	defer timeout.Stop()
	for {
		if !b.draining.Load() {
			return fmt.Errorf("draining backend %s: %w", backendID, ErrStillRouted)
		}
		idle := b.idleChan()
		if idle == nil {
			p.forget(b)
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("draining backend %s with %d requests in flight: %w", backendID, b.inflight.Load(), ctx.Err())
		case <-timeout.C:
			return p.cut(b)
		}
	}
}

// forget drops a drained backend, unless a route took it back meanwhile.
func (p *Proxy) forget(b *backend) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.backends[b.id] == b && b.draining.Load() {
		delete(p.backends, b.id)
	}
}

// cut ends the requests still in flight on a draining backend and drops
// it, unless a route took it back meanwhile.
func (p *Proxy) cut(b *backend) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !b.draining.Load() {
		return fmt.Errorf("draining backend %s: %w", b.id, ErrStillRouted)
	}
	n := b.cutAll()
	if p.backends[b.id] == b {
		delete(p.backends, b.id)
	}
	p.log.Debug("backend drain cut", "backend", b.id, "cut", n)
	return &DrainError{Backend: b.id, Cut: n}
}
