// Package server assembles a running berth: it opens the stores in the
// data directory, serves the HTTP API, runs the background upkeep, and
// shuts all of it down cleanly, finishing in-flight requests before the
// stores close.
package server
