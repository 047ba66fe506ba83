// Package webhook delivers registry events to the webhooks configured in
// berth.yaml as signed HTTP requests, and keeps a log of every delivery.
//
// # Deliveries
//
// A Dispatcher reads events from a bus subscription. For every webhook
// that wants an event (one of its actions, push and delete when it lists
// none; a repository matching its repos pattern, any when it has none) it
// records a pending delivery in the store before making any request, so
// a restart loses nothing that was recorded: Run resumes the pending
// deliveries before it reads new events. Delivery is at least once: a
// receiver may see a delivery again, for instance when berth stops
// between a response and recording it, and should ignore a delivery ID it
// has already handled.
//
// # Requests
//
// Each attempt is a POST to the webhook's URL:
//
//	Content-Type: application/json
//	User-Agent: berth-webhook
//	X-Berth-Event: push                                 the event's action
//	X-Berth-Delivery: 18e3ea08c4718000000000000000002a  the same on every attempt
//	X-Berth-Timestamp: 1793534400                       Unix seconds of this attempt
//	X-Berth-Signature: sha256=9f86d0…                   see below
//
//	{
//	  "delivery": "18e3ea08c4718000000000000000002a",
//	  "webhook": "ci",
//	  "event": {
//	    "id": "5f0c…", "time": "2026-11-01T12:00:00Z", "action": "push",
//	    "repository": "team/api", "tag": "v1.4.2", "digest": "sha256:…",
//	    "mediaType": "application/vnd.oci.image.manifest.v1+json",
//	    "size": 1234, "actor": "ci"
//	  }
//	}
//
// The body is Payload; the event's tag, digest, mediaType and size are
// left out when empty. A delivery ID is 32 hex digits, and IDs sort in
// the order deliveries were recorded.
//
// # Verifying a delivery
//
// X-Berth-Signature is "sha256=" and the hex HMAC-SHA256, keyed with the
// webhook's secret, of the X-Berth-Timestamp value, a dot, and the body
// exactly as sent. A receiver
//
//  1. reads the raw body before decoding it;
//  2. computes the HMAC of timestamp + "." + body and compares it with
//     the header in constant time (receivers in Go call Verify);
//  3. refuses a timestamp more than a few minutes from its own clock, so
//     that a captured request cannot be replayed later;
//  4. ignores a delivery ID it has already handled.
//
// # Retries
//
// A 2xx answer within the timeout (10s) delivers. No answer (a network
// error or the timeout), 408, 429 and 5xx are retried; any other status,
// a redirect included (redirects are not followed), means the receiver
// refuses, and the delivery fails at once. Retry n waits between half and
// all of min(1s·2^(n-1), 5m), or as long as a Retry-After header in
// seconds asks, up to 5m. A delivery fails after 10 attempts, or when its
// next retry would come more than 24h after it was recorded. A failed
// delivery is logged once, at warn, with the keys webhook, delivery,
// repo, digest, attempts and err; single failed attempts only at debug.
//
// # Order
//
// Each webhook gets its deliveries one at a time, in the order the events
// were published (resumed deliveries first, in the order they were
// recorded): a delivery is not attempted before the previous one to the
// same webhook is delivered or has failed, retries included. Different
// webhooks are served concurrently, with at most Options.Workers requests
// in flight at once, so a receiver that is down holds up only its own
// webhook, and gets its backlog in order when it recovers.
//
// # Dropped events
//
// The bus never blocks a publisher: when the dispatcher's subscription
// buffer is full, events are dropped and never become deliveries. Run
// logs a warning, "webhook events dropped", with the keys dropped (since
// the last warning) and total, on the next event it reads. Give the
// subscription a buffer for bursts; 1024 is plenty.
//
// # Shutdown
//
// When Run's context ends, the events still buffered in the subscription
// are recorded as pending, attempts in flight finish or time out,
// deliveries waiting for a retry stay pending for the next Run, and Run
// returns. The store must stay open until then.
//
// # The delivery log
//
// The store keeps every delivery with its attempts (time, status or
// error, duration); meta.DB.Deliveries lists them newest first. Run prunes
// all but the newest Options.Keep (10000) finished deliveries when it
// starts and after every 100 that finish; pending ones are never pruned.
package webhook
