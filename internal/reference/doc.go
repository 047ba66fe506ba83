// Package reference validates the names the OCI Distribution Spec lets a
// client send: repository names, tags and digests. It is strict on purpose:
// every name that reaches storage has passed through here, so path
// traversal, uppercase and unknown digest algorithms never get further.
//
// It also splits the image references users write
// ("host:port/repo:tag@digest") with distribution/reference's grammar,
// the one parser of references in berth.
package reference
