package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
)

// Payload is the JSON body of a delivery request.
type Payload struct {
	Delivery string       `json:"delivery"` // as in X-Berth-Delivery
	Webhook  string       `json:"webhook"`  // the webhook's configured name
	Event    events.Event `json:"event"`
}

// serve delivers the deliveries queued for h one at a time, in order.
func (r *run) serve(ctx context.Context, h config.Webhook, q *queue) {
	for {
		del, ok := q.pop(ctx)
		if !ok {
			return
		}
		r.deliver(ctx, h, del)
	}
}

// deliver attempts del until it is delivered or failed, or until ctx ends,
// which leaves it pending for the next Run.
func (r *run) deliver(ctx context.Context, h config.Webhook, del meta.Delivery) {
	clock := r.opts.Clock
	for {
		if clock.Sleep(ctx, del.NextAttempt.Sub(clock.Now())) != nil || !r.acquire(ctx) {
			return
		}
		a, v, after := r.attempt(ctx, h, del)
		<-r.workers
		del.Attempts = append(del.Attempts, a)
		r.settle(&del, v, after)
		if del.State != meta.DeliveryPending {
			r.finish(del, describe(a))
			return
		}
		r.record(del)
		r.log.Debug("webhook attempt failed", "webhook", h.Name, "delivery", del.ID, "err", describe(a), "next", del.NextAttempt)
	}
}

// acquire takes a worker slot, unless ctx ends first.
func (r *run) acquire(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case r.workers <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// attempt makes one request for del and says what came of it, and how
// long the receiver asked to wait before a retry. ctx ending does not cut
// the request short: it finishes or times out.
func (r *run) attempt(ctx context.Context, h config.Webhook, del meta.Delivery) (meta.Attempt, verdict, time.Duration) {
	sent := r.opts.Clock.Now()
	a := meta.Attempt{Time: sent}
	body, err := json.Marshal(Payload{Delivery: del.ID, Webhook: h.Name, Event: del.Event})
	if err != nil {
		a.Error = fmt.Sprintf("encoding body: %v", err)
		return a, refused, 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		a.Error = "building request: " + r.explain(err)
		return a, refused, 0
	}
	ts := strconv.FormatInt(sent.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "berth-webhook")
	req.Header.Set(HeaderEvent, del.Event.Action)
	req.Header.Set(HeaderDelivery, del.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(h.Secret, ts, body))

	start := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		a.Duration = time.Since(start)
		a.Error = r.explain(err)
		return a, retry, 0
	}
	// Drain a little of the response so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.Duration = time.Since(start)
	a.Status = resp.StatusCode
	return a, judge(resp.StatusCode), retryAfter(resp.Header)
}

// explain describes a failed request without its URL, which may carry a
// token the delivery log should not show.
func (r *run) explain(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no response within %s", r.opts.Timeout)
	}
	if uerr, ok := errors.AsType[*url.Error](err); ok {
		err = uerr.Err
	}
	return err.Error()
}

func describe(a meta.Attempt) string {
	if a.Error != "" {
		return a.Error
	}
	return fmt.Sprintf("HTTP %d %s", a.Status, http.StatusText(a.Status))
}

// finish records a delivery that has ended, warns once if it failed, and
// prunes the store now and then.
func (r *run) finish(del meta.Delivery, reason string) {
	if del.State == meta.DeliveryFailed {
		r.log.Warn("webhook delivery failed", "webhook", del.Webhook, "delivery", del.ID,
			"repo", del.Event.Repository, "digest", del.Event.Digest, "attempts", len(del.Attempts), "err", reason)
	}
	r.record(del)
	r.mu.Lock()
	r.settled++
	due := r.settled >= pruneEvery
	if due {
		r.settled = 0
	}
	r.mu.Unlock()
	if due {
		r.prune()
	}
}

func (r *run) record(del meta.Delivery) {
	if err := r.store.UpdateDelivery(del); err != nil {
		r.log.Warn("webhook delivery not updated", "webhook", del.Webhook, "delivery", del.ID, "err", err)
	}
}

func (r *run) prune() {
	if _, err := r.store.PruneDeliveries(r.opts.Keep); err != nil {
		r.log.Warn("webhook deliveries not pruned", "err", err)
	}
}
