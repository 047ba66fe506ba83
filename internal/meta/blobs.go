package meta

import (
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	bolt "go.etcd.io/bbolt"
)

// blobRecord is the global record of a blob committed to disk.
type blobRecord struct {
	Size    int64     `json:"size"`
	Created time.Time `json:"created"`
}

// BlobLink is a blob linked into a repository.
type BlobLink struct {
	Size   int64     `json:"size"`
	Linked time.Time `json:"linked"`
}

// Blob returns the link of blob d in repository name.
func (db *DB) Blob(name string, d digest.Digest) (BlobLink, error) {
	var link BlobLink
	err := db.view(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		found, err := get(r.blobs, d.String(), &link)
		if err == nil && !found {
			return ErrBlobUnknown
		}
		return err
	})
	if err != nil {
		return BlobLink{}, fmt.Errorf("looking up blob %s in %s: %w", d, name, err)
	}
	return link, nil
}

// LinkBlob records blob d, just committed to disk, and links it into
// repository name; uploadID, if set, is the session that produced it and
// is closed in the same transaction.
func (db *DB) LinkBlob(name string, d digest.Digest, size int64, uploadID string, now time.Time) error {
	err := db.update(func(tx *bolt.Tx) error {
		r, err := createRepo(tx, name)
		if err != nil {
			return err
		}
		blobs := tx.Bucket(bucketBlobs)
		if blobs.Get([]byte(d)) == nil {
			if err := put(blobs, d.String(), blobRecord{Size: size, Created: now}); err != nil {
				return err
			}
		}
		if uploadID != "" {
			if err := tx.Bucket(bucketUploads).Delete([]byte(uploadID)); err != nil {
				return err
			}
		}
		return putBlobLink(tx, r, name, d, BlobLink{Size: size, Linked: now})
	})
	if err != nil {
		return fmt.Errorf("linking blob %s into %s: %w", d, name, err)
	}
	return nil
}

// MountBlob links blob d, already in repository from, into repository
// name and returns its size. It fails with ErrBlobUnknown when from does
// not have d, in which case the client uploads it instead.
func (db *DB) MountBlob(name, from string, d digest.Digest, now time.Time) (int64, error) {
	var size int64
	err := db.update(func(tx *bolt.Tx) error {
		src, ok := openRepo(tx, from)
		if !ok {
			return ErrBlobUnknown
		}
		var link BlobLink
		found, err := get(src.blobs, d.String(), &link)
		if err != nil {
			return err
		}
		if !found || tx.Bucket(bucketBlobs).Get([]byte(d)) == nil {
			return ErrBlobUnknown
		}
		r, err := createRepo(tx, name)
		if err != nil {
			return err
		}
		size = link.Size
		return putBlobLink(tx, r, name, d, BlobLink{Size: link.Size, Linked: now})
	})
	if err != nil {
		return 0, fmt.Errorf("mounting blob %s from %s into %s: %w", d, from, name, err)
	}
	return size, nil
}

// UnlinkBlob removes blob d from repository name. The bytes stay on disk
// until garbage collection finds nothing else uses them. A blob that a
// manifest in the repository references is refused with an InUseError,
// or a ProtectedError when a tag that guard protects needs it.
func (db *DB) UnlinkBlob(name string, d digest.Digest, guard TagGuard, o Origin) error {
	err := db.update(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		if r.blobs.Get([]byte(d)) == nil {
			return ErrBlobUnknown
		}
		if err := checkDelete(r, name, d, "blob", guard); err != nil {
			return err
		}
		if err := deleteBlobLink(tx, r, name, d); err != nil {
			return err
		}
		return audit(tx, o, AuditDeleteBlob, name, "", d)
	})
	if err != nil {
		return fmt.Errorf("deleting blob %s from %s: %w", d, name, err)
	}
	return nil
}
