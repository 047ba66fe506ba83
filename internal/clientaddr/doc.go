// Package clientaddr finds the address of the client that sent a
// request: the peer's, or, when the peer is a trusted proxy (a load
// balancer in front of berth), the one the proxies forwarded in
// X-Forwarded-For or Forwarded. The registry's login throttle and access
// log and the edge proxy's access log and forwarded headers read it.
package clientaddr
