package meta

import (
	"bytes"

	"github.com/opencontainers/go-digest"
	bolt "go.etcd.io/bbolt"
)

// pairKey is "<a>\x00<b>", the key of link indexes and reference edges.
func pairKey(a, b string) []byte { return []byte(a + "\x00" + b) }

// anyWithPrefix reports whether b has a key "<d>\x00...".
func anyWithPrefix(b *bolt.Bucket, d digest.Digest) bool {
	prefix := pairKey(d.String(), "")
	k, _ := b.Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// blobLinked reports whether any repository links blob d.
func blobLinked(tx *bolt.Tx, d digest.Digest) bool {
	return anyWithPrefix(tx.Bucket(bucketBlobLinks), d)
}

// manifestLinked reports whether any repository links manifest d.
func manifestLinked(tx *bolt.Tx, d digest.Digest) bool {
	return anyWithPrefix(tx.Bucket(bucketManifestLinks), d)
}

// referenced reports whether a manifest in the repository references d.
func (r repo) referenced(d digest.Digest) bool { return anyWithPrefix(r.refs, d) }

func putBlobLink(tx *bolt.Tx, r repo, name string, d digest.Digest, link BlobLink) error {
	if err := put(r.blobs, d.String(), link); err != nil {
		return err
	}
	return tx.Bucket(bucketBlobLinks).Put(pairKey(d.String(), name), nil)
}

func deleteBlobLink(tx *bolt.Tx, r repo, name string, d digest.Digest) error {
	if err := r.blobs.Delete([]byte(d)); err != nil {
		return err
	}
	return tx.Bucket(bucketBlobLinks).Delete(pairKey(d.String(), name))
}

// putManifestLink links manifest d into the repository with the edges to
// everything it references, unless it is linked already.
func putManifestLink(tx *bolt.Tx, r repo, name string, d digest.Digest, rec manifestRecord, link manifestLink) error {
	if r.manifests.Get([]byte(d)) != nil {
		return nil
	}
	if err := put(r.manifests, d.String(), link); err != nil {
		return err
	}
	for _, ref := range rec.references() {
		if err := r.refs.Put(pairKey(ref.String(), d.String()), nil); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketManifestLinks).Put(pairKey(d.String(), name), nil)
}

// deleteManifestLink undoes putManifestLink.
func deleteManifestLink(tx *bolt.Tx, r repo, name string, d digest.Digest, rec manifestRecord) error {
	if err := r.manifests.Delete([]byte(d)); err != nil {
		return err
	}
	for _, ref := range rec.references() {
		if err := r.refs.Delete(pairKey(ref.String(), d.String())); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketManifestLinks).Delete(pairKey(d.String(), name))
}
