package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/pattern"
)

// Store keeps deliveries so that a restart loses none; *meta.DB is one.
type Store interface {
	CreateDelivery(meta.Delivery) (meta.Delivery, error)
	UpdateDelivery(meta.Delivery) error
	PendingDeliveries() ([]meta.Delivery, error)
	PruneDeliveries(keep int) (int, error)
}

// Options tune a Dispatcher. A zero field means the default given after
// the colon.
type Options struct {
	Clock       Clock         // time and waiting: the real clock
	Workers     int           // attempts in flight at once: 4
	Timeout     time.Duration // for one attempt, response included: 10s
	MaxAttempts int           // before a delivery fails: 10
	MaxAge      time.Duration // no retry is scheduled past this age: 24h
	Keep        int           // finished deliveries kept in the store: 10000
}

// pruneEvery is how many deliveries finish between two prunings.
const pruneEvery = 100

// Dispatcher delivers registry events to webhooks.
type Dispatcher struct {
	hooks  []config.Webhook
	store  Store
	client *http.Client
	log    *slog.Logger
	opts   Options
}

// New returns a dispatcher for hooks that records deliveries in store and
// makes requests with client (which is copied so as not to follow
// redirects; nil means a default client). A nil log discards.
func New(hooks []config.Webhook, store Store, client *http.Client, log *slog.Logger, opts Options) *Dispatcher {
	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	opts.Workers = orDefault(opts.Workers, 4)
	opts.Timeout = orDefault(opts.Timeout, 10*time.Second)
	opts.MaxAttempts = orDefault(opts.MaxAttempts, 10)
	opts.MaxAge = orDefault(opts.MaxAge, 24*time.Hour)
	opts.Keep = orDefault(opts.Keep, 10000)
	return &Dispatcher{hooks: slices.Clone(hooks), store: store, client: &c, log: log, opts: opts}
}

// orDefault returns v, or def when v is not positive.
func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Run delivers what sub receives until ctx ends. It first resumes the
// deliveries left pending in the store. When ctx ends it records the
// events still buffered in sub as pending, lets attempts in flight finish
// or time out, and returns. It fails only if the pending deliveries
// cannot be read.
func (d *Dispatcher) Run(ctx context.Context, sub *events.Subscription) error {
	pending, err := d.store.PendingDeliveries()
	if err != nil {
		return fmt.Errorf("resuming webhook deliveries: %w", err)
	}
	r := &run{Dispatcher: d, queues: map[string]*queue{}, workers: make(chan struct{}, d.opts.Workers)}
	var wg sync.WaitGroup
	for _, h := range d.hooks {
		q := newQueue()
		r.queues[h.Name] = q
		wg.Go(func() { r.serve(ctx, h, q) })
	}
	for _, p := range pending {
		r.resume(p)
	}
	r.prune()
	r.consume(ctx, sub)
	wg.Wait()
	return nil
}

// run is the state of one Run.
type run struct {
	*Dispatcher
	queues  map[string]*queue // by webhook name; fixed once Run starts
	workers chan struct{}     // a slot per attempt in flight
	dropped int64             // sub.Dropped() when last reported
	mu      sync.Mutex
	settled int // deliveries finished since the last pruning
}

// consume records every event sub receives until ctx ends, then the ones
// still buffered.
func (r *run) consume(ctx context.Context, sub *events.Subscription) {
	c := sub.C
	for {
		select {
		case e, ok := <-c:
			if !ok {
				c = nil // closed: keep going with what is queued
				continue
			}
			r.dispatch(e)
			r.reportDropped(sub)
		case <-ctx.Done():
			for range len(c) {
				if e, ok := <-c; ok {
					r.dispatch(e)
				}
			}
			r.reportDropped(sub)
			return
		}
	}
}

// reportDropped warns once for every run of events the bus could not
// hand to sub because its buffer was full. Those events never reach a
// webhook.
func (r *run) reportDropped(sub *events.Subscription) {
	if n := sub.Dropped(); n > r.dropped {
		r.log.Warn("webhook events dropped: the subscription buffer was full", "dropped", n-r.dropped, "total", n)
		r.dropped = n
	}
}

// dispatch records a pending delivery of e to every webhook that wants it
// and queues it.
func (r *run) dispatch(e events.Event) {
	for _, h := range r.hooks {
		if !wants(h, e) {
			continue
		}
		now := r.opts.Clock.Now()
		del, err := r.store.CreateDelivery(meta.Delivery{
			Webhook: h.Name, Event: e, Created: now, State: meta.DeliveryPending, NextAttempt: now,
		})
		if err != nil {
			r.log.Error("webhook delivery not recorded", "webhook", h.Name, "repo", e.Repository, "digest", e.Digest, "err", err)
			continue
		}
		r.queues[h.Name].push(del)
	}
}

// resume queues a delivery found pending in the store, or fails it if
// its webhook is no longer configured.
func (r *run) resume(del meta.Delivery) {
	if q, ok := r.queues[del.Webhook]; ok {
		q.push(del)
		return
	}
	del.State, del.NextAttempt = meta.DeliveryFailed, time.Time{}
	r.finish(del, "webhook no longer configured")
}

// wants reports whether webhook h subscribes to e.
func wants(h config.Webhook, e events.Event) bool {
	if len(h.Actions) == 0 {
		if e.Action != events.ActionPush && e.Action != events.ActionDelete {
			return false
		}
	} else if !slices.Contains(h.Actions, e.Action) {
		return false
	}
	return h.Repos == "" || pattern.Match(h.Repos, e.Repository)
}
