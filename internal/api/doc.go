// Package api is berth's JSON API under /api/, on the same address as the
// registry. It serves what the command line and automation need beyond
// the OCI API: the audit log, garbage collection, the webhook delivery
// log, and the apps of the deploy engine. When berth authenticates, each
// endpoint asks a Gate for its right: an admin for the registry's
// endpoints, and one action on the app it names under /api/apps.
package api
