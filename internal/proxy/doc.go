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
// a cookie named "berth_" and a hash of the host, whose value names the
// set and revision that served it, signed by the proxy (Path=/, HttpOnly,
// SameSite=Lax, Secure over TLS); later requests with the cookie stay on
// that set while it runs that revision with a weight above zero. The
// signature binds the cookie to its host, set and revision with an HMAC
// key the proxy draws when it starts: a cookie the proxy did not issue,
// altered, of another route, or of a set's previous revision is ignored,
// and the request gets a weighted pick and a new cookie, so a client
// cannot choose a set by naming it. The key is part of the State, so a
// proxy restored from it honours the cookies the one before signed; a
// proxy started without one draws a new key, which sends each sticky
// client through one new weighted pick, as a new revision does.
//
// A preview reaches one set by name whatever its weight: through an extra
// host listed in Route.Previews, or through the route's own host with the
// header X-Berth-Preview naming the set. A preview naming no set of the
// route gets 404. Previews are served but not counted in the stats: the
// client chose the set, not the weights.
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
// -Proto, and X-Real-Ip with the client's address; the ones a client sent
// are dropped unless Options.TrustForwardedHeaders is set, when the chain
// is extended, the host and scheme kept, and X-Real-Ip is the one the
// proxy in front sent, or else the last address of its chain. Headers
// whose name holds an underscore are dropped, as nginx drops them by
// default (underscores_in_headers off): a backend that reads '_' as '-'
// would otherwise take a client's X_Forwarded_For for the proxy's. Both
// paths below send the same headers.
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
// A request whose body the client does not finish sending (malformed
// chunked encoding, fewer bytes than its Content-Length, a client gone
// mid-body) gets 400, and is not counted in the stats: it is the client's
// failure, not the backend's. A body that makes no progress for
// Options.BodyIdleTimeout is cut, with 408 and the connection closed; one
// that keeps coming is never cut, however slow. The same bound applies to
// what is left of a body the server reads after the answer.
//
// Upgraded connections, such as WebSockets, count in flight on their
// backend until they close, so a drain waits for them and its timeout
// cuts them. http.Server.Shutdown lets go of them once upgraded; the
// proxy's own Shutdown, called after it with the same deadline, waits for
// them until the deadline and then closes them.
//
// A GET, HEAD or OPTIONS request without a body that fails to connect, or
// whose connection is reset or closed before any response, is retried once
// on another backend of the same set. Nothing is retried after a response
// started. Other failures answer 502 and are logged at debug level only.
//
// # Stats
//
// Each (host, set, revision) keeps per-second counters for the last ten
// minutes, so that a new revision under a reused set name starts from
// zero: requests, 5xx responses (the proxy's own 502 and 503 included; a
// client that went away before the answer counts as 499, which is no
// error) and a latency histogram. Previews and requests the client did
// not finish sending are not counted.
// Latency is the time until the backend's response header, so long
// streams and WebSockets do not distort it. The histogram has four
// buckets per power of two from 8µs to about 69s, and a percentile is
// reported as the middle of its bucket, within 12.5% of the true value.
// A set with traffic in every second holds about 230KB of history.
//
// # State
//
// State takes a snapshot of what is worth keeping across a restart of
// the process that serves the proxy: the routes, each backend's health
// with its checker's counts, the stats of the last ten minutes and the
// sticky cookie key. Restore loads one into a new Proxy before it serves,
// so that it routes at once as the old one did: a backend that was out
// stays out until its checks pass, one that was in is in without waiting
// for a check, the checks go on from their counts with a first probe at
// once, and the stats go on counting into the same windows. ParseState
// reads a state saved as JSON and refuses, with an error, anything
// Restore would. Options.OnChange learns of each change worth saving
// (routes and health); Counted tells when the stats changed.
package proxy
