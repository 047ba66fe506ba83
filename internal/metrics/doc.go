// Package metrics exposes berth's Prometheus metrics: HTTP requests by
// route, method and status with their durations, bytes in and out, upload
// durations, the size of the blob store and garbage collection runs. It
// keeps its own registry rather than the process-wide default.
package metrics
