// Package proxy is berth's edge reverse proxy: it routes requests by host
// to the containers of a deployed app, splits traffic between sets of
// containers by weight, checks their health, and drains the ones that
// leave a route so that a deploy or a rollback fails no request.
//
// # Routes
//
// A Route maps one host name (compared case-insensitively, port ignored)
// to named sets of backends. Set adds or replaces a route atomically: the
// routing table is copied, changed and swapped, so a request sees either
// the old table or the new one, never a mix. Remove takes a route away.
//
// A request for a host with no route gets 404. A request whose route has
// no healthy backend gets 503 with Retry-After: 1.
//
// # Sets, weights, stickiness and previews
//
// Traffic is split across the sets with a weight above zero, at random in
// proportion to the weights (90/10 sends about nine requests in ten to the
// first). When the chosen set has no healthy backend, another set with
// weight serves the request. With Route.Sticky, the first response carries
// a cookie named "berth_" and a hash of the host, whose value is the set
// that served it (Path=/, HttpOnly, SameSite=Lax, Secure over TLS); later
// requests with the cookie stay on that set while its weight is above
// zero.
//
// A preview reaches one set by name whatever its weight: through an extra
// host listed in Route.Previews, or through the route's own host with the
// header X-Berth-Preview naming the set. A preview naming no set of the
// route gets 404.
//
// Within a set, a request goes to the healthy backend with the fewest
// requests in flight; ties go round-robin.
//
// # Health
//
// A backend that joins a route counts as healthy: the deployer gates a new
// container with WaitHealthy before adding it. When the route's
// HealthCheck has a Path, every backend is probed with GET at Interval
// (a 2xx or 3xx answer within Timeout passes); UnhealthyThreshold failures
// in a row take it out of rotation and HealthyThreshold passes bring it
// back. A backend that stays in the table across Set calls keeps its
// health. A refused connection to a checked backend takes it out at once,
// until its checks pass again. Without a Path, backends are never checked
// and always count as healthy. A backend that appears in several routes is
// checked once, as the first of them in host order asks.
//
// # Draining
//
// A backend that leaves every route drains: it gets no new request and
// its requests in flight finish. Drain waits until it is idle, or until
// Options.DrainTimeout, when the requests still in flight are cut and
// Drain returns a *DrainError saying how many. Draining a backend that is
// still routed is refused with ErrStillRouted, because new requests would
// keep arriving.
//
// # Forwarding
//
// Requests keep their Host header and get X-Forwarded-For, -Host and
// -Proto; the ones a client sent are dropped unless
// Options.TrustForwardedHeaders is set, when the chain is extended.
// Responses are flushed as they arrive, so streams and server-sent events
// pass at once, and Upgrade requests such as WebSocket pass through.
//
// A GET, HEAD or OPTIONS request without a body, most of the traffic,
// takes the direct path (direct.go): it is written to a pooled
// keep-alive connection and its response read back on the goroutine
// serving it, with about 45% less CPU per request than net/http's
// Transport took (scripts/bench-deploy.sh).
// Everything else goes through httputil.ReverseProxy.
//
// A GET, HEAD or OPTIONS request without a body that fails to connect, or
// whose connection is reset or closed before any response, is retried once
// on another backend of the same set. Nothing is retried after a response
// started. Other failures answer 502 and are logged at debug level only.
//
// # Stats
//
// Each (host, set) keeps per-second counters for the last ten minutes:
// requests, 5xx responses (the proxy's own 502 and 503 included; a client
// that went away before the answer counts as 499) and a latency histogram.
// Latency is the time until the backend's response header, so long
// streams and WebSockets do not distort it. The histogram has four
// buckets per power of two from 8µs to about 69s, and a percentile is
// reported as the middle of its bucket, within 12.5% of the true value.
// A set with traffic in every second holds about 230KB of history.
package proxy
