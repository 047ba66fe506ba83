// Package api is berth's JSON API under /api/, on the same address as the
// registry. It serves what the command line and automation need beyond
// the OCI API: the audit log, garbage collection and the webhook delivery
// log. When berth authenticates, every call needs an admin account.
package api
