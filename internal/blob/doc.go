// Package blob keeps content-addressed blobs on the local filesystem, one
// file per digest however many repositories use it, and the upload files
// that become blobs.
//
// A blob is only ever created by Commit: the upload's bytes are hashed while
// they arrive, checked against the digest the client claims, fsynced, and
// then renamed into place, so a reader never sees a partial or wrong blob,
// whatever happens to the process or the machine. Which repositories may see
// a blob is not this package's business: that is the metadata store's.
package blob
