// Package bench measures OCI registries from the outside, through the
// Distribution API and nothing but net/http, so every registry is driven by
// the same small client whose own cost is tiny.
//
// It measures the single-core sha256 speed of the machine (the ceiling for
// a registry that verifies digests as data arrives), the throughput of one
// large blob pushed in a single stream and pulled back, the rate of small
// monolithic blob pushes, manifest GETs per second with their latency under
// many concurrent clients, and the time to list many tags. Run measures the
// targets one after another so they never compete for the CPU, and returns
// a Result that WriteTable and WriteJSON print.
//
// Rates in bytes use MB = 10^6 bytes.
package bench
