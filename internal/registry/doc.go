// Package registry serves the OCI Distribution Spec v1.1 HTTP API under
// /v2/: pull, push (monolithic, chunked and cross-repository mount),
// content discovery (tags, referrers, catalog) and content management.
//
// It is the edge between HTTP and berth's stores: it validates every name,
// reference and digest before anything is looked up, and translates domain
// errors into OCI error codes in one table (errors.go). A server-side
// failure is logged under a request id, and the client gets only that id
// and the kind of failure, never the detail, which names server paths.
package registry
