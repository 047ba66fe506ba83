// Package gc removes what nothing needs any more, while the registry keeps
// serving: first what the retention rules expire (old tags, untagged
// manifests), then, mark and sweep, blob links no manifest references,
// manifests no repository links and blobs nothing links, then blob files
// without a record.
//
// Nothing younger than the grace period is touched, nor a blob a client
// has just looked at (it may be about to reference it). Every removal is
// checked again in the transaction that makes it, and a blob's file goes
// only while the blob store holds its digest against commits, so a push
// that races the collector either wins or is refused cleanly; it never
// ends with a manifest whose blob is gone. What a manifest still in a
// repository references is kept even where the repository's own link to
// it is gone.
package gc
