package meta

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	bolt "go.etcd.io/bbolt"
)

// RepoBlob is a blob link in a repository.
type RepoBlob struct {
	Repo   string
	Digest digest.Digest
}

// BlobSize is a blob and how many bytes it holds.
type BlobSize struct {
	Digest digest.Digest
	Size   int64
}

// Garbage is what garbage collection may remove, as found at one moment.
// Every item is checked again when it is removed.
type Garbage struct {
	// Links are blob links no manifest in their repository references.
	Links []RepoBlob
	// Manifests are manifests no repository links and no manifest
	// references.
	Manifests []digest.Digest
	// Blobs are blobs no repository links once Links are gone and no
	// manifest references.
	Blobs []BlobSize
}

// FindGarbage marks from every manifest linked in a repository (tagged,
// untagged, referrers and index children alike; retention decides what
// stops being linked) and returns what is neither marked nor newer than
// cutoff. What a linked manifest references is marked even where the
// repository's own link to it is gone (as an earlier version let a
// DELETE leave it), so that its bytes are there when the link is made
// again. inUse, if not nil, keeps blobs a client has just looked at.
//
// The sweeps check again only that nothing links what they remove: a
// manifest that references a blob or child is linked with it into its
// repository (PutManifest checks), and neither can be deleted from there
// while the manifest references it (UnlinkBlob and DeleteManifest
// refuse), so whatever gains a reference after the finding is linked.
func (db *DB) FindGarbage(cutoff time.Time, inUse func(digest.Digest) bool) (Garbage, error) {
	var g Garbage
	err := db.view(func(tx *bolt.Tx) error {
		g = Garbage{}
		dropped := map[digest.Digest]int{} // links found dead, per blob
		repos := tx.Bucket(bucketRepos)
		err := repos.ForEach(func(name, _ []byte) error {
			r, _ := openRepo(tx, string(name))
			return r.blobs.ForEach(func(k, v []byte) error {
				d := digest.Digest(k)
				var link BlobLink
				if err := decode(k, v, &link); err != nil {
					return err
				}
				if link.Linked.Before(cutoff) && !r.referenced(d) && (inUse == nil || !inUse(d)) {
					g.Links = append(g.Links, RepoBlob{Repo: string(name), Digest: d})
					dropped[d]++
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketManifests).ForEach(func(k, v []byte) error {
			var rec manifestRecord
			if err := decode(k, v, &rec); err != nil {
				return err
			}
			if rec.Created.Before(cutoff) && !manifestLinked(tx, digest.Digest(k)) {
				g.Manifests = append(g.Manifests, digest.Digest(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		links := tx.Bucket(bucketBlobLinks)
		err = tx.Bucket(bucketBlobs).ForEach(func(k, v []byte) error {
			d := digest.Digest(k)
			var rec blobRecord
			if err := decode(k, v, &rec); err != nil {
				return err
			}
			if rec.Created.Before(cutoff) && countPrefix(links, d) == dropped[d] && (inUse == nil || !inUse(d)) {
				g.Blobs = append(g.Blobs, BlobSize{Digest: d, Size: rec.Size})
			}
			return nil
		})
		if err != nil {
			return err
		}
		return keepNeeded(tx, &g)
	})
	if err != nil {
		return Garbage{}, fmt.Errorf("finding garbage: %w", err)
	}
	return g, nil
}

// keepNeeded drops from g's manifests and blobs those that a manifest
// linked in some repository references, and what those manifests
// reference in turn, with one pass over every repository's references.
func keepNeeded(tx *bolt.Tx, g *Garbage) error {
	if len(g.Manifests) == 0 && len(g.Blobs) == 0 {
		return nil
	}
	needed := make(map[string]bool, len(g.Manifests)+len(g.Blobs)) // candidate -> needed
	for _, d := range g.Manifests {
		needed[string(d)] = false
	}
	for _, b := range g.Blobs {
		needed[string(b.Digest)] = false
	}
	var queue []digest.Digest // needed manifests whose references are not yet marked
	mark := func(d string) {
		if was, ok := needed[d]; ok && !was {
			needed[d] = true
			queue = append(queue, digest.Digest(d))
		}
	}
	err := tx.Bucket(bucketRepos).ForEach(func(name, _ []byte) error {
		r, _ := openRepo(tx, string(name))
		return r.refs.ForEach(func(k, _ []byte) error {
			ref, _, _ := bytes.Cut(k, []byte{0})
			if was, ok := needed[string(ref)]; ok && !was {
				mark(string(ref))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	// A needed manifest that no repository links (an index's child whose
	// link is gone) still needs what it references.
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		var rec manifestRecord
		if _, err := get(tx.Bucket(bucketManifests), d.String(), &rec); err != nil {
			return err
		}
		for _, ref := range rec.references() {
			mark(string(ref))
		}
	}
	g.Manifests = slices.DeleteFunc(g.Manifests, func(d digest.Digest) bool { return needed[string(d)] })
	g.Blobs = slices.DeleteFunc(g.Blobs, func(b BlobSize) bool { return needed[string(b.Digest)] })
	return nil
}

func countPrefix(b *bolt.Bucket, d digest.Digest) int {
	prefix := pairKey(d.String(), "")
	n := 0
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// sweepBatch bounds how much one sweeping transaction does, so that
// pushes are never held up behind a long one.
const sweepBatch = 512

// inBatches runs fn over items in transactions of at most sweepBatch and
// returns the items for which fn removed something. fn may run more than
// once for an item (a group commit can be retried), so it reports rather
// than counts.
func inBatches[T any](db *DB, items []T, fn func(tx *bolt.Tx, item T) (bool, error)) ([]T, error) {
	var done []T
	for len(items) > 0 {
		n := min(len(items), sweepBatch)
		batch := items[:n]
		items = items[n:]
		var batchDone []T
		err := db.update(func(tx *bolt.Tx) error {
			batchDone = batchDone[:0]
			for _, it := range batch {
				removed, err := fn(tx, it)
				if err != nil {
					return err
				}
				if removed {
					batchDone = append(batchDone, it)
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done = append(done, batchDone...)
	}
	return done, nil
}

// SweepLinks removes the links that are still unreferenced, older than
// cutoff and not in use, and returns how many it removed.
func (db *DB) SweepLinks(links []RepoBlob, cutoff time.Time, inUse func(digest.Digest) bool) (int, error) {
	done, err := inBatches(db, links, func(tx *bolt.Tx, l RepoBlob) (bool, error) {
		r, ok := openRepo(tx, l.Repo)
		if !ok {
			return false, nil
		}
		var link BlobLink
		found, err := get(r.blobs, l.Digest.String(), &link)
		if err != nil || !found || !link.Linked.Before(cutoff) || r.referenced(l.Digest) || (inUse != nil && inUse(l.Digest)) {
			return false, err
		}
		return true, deleteBlobLink(tx, r, l.Repo, l.Digest)
	})
	if err != nil {
		return len(done), fmt.Errorf("sweeping blob links: %w", err)
	}
	return len(done), nil
}

// SweepManifests deletes the records and bodies of manifests that are
// still linked nowhere and older than cutoff, and returns how many.
func (db *DB) SweepManifests(ds []digest.Digest, cutoff time.Time) (int, error) {
	done, err := inBatches(db, ds, func(tx *bolt.Tx, d digest.Digest) (bool, error) {
		var rec manifestRecord
		found, err := get(tx.Bucket(bucketManifests), d.String(), &rec)
		if err != nil || !found || !rec.Created.Before(cutoff) || manifestLinked(tx, d) {
			return false, err
		}
		if err := tx.Bucket(bucketManifests).Delete([]byte(d)); err != nil {
			return false, err
		}
		return true, tx.Bucket(bucketBodies).Delete([]byte(d))
	})
	if err != nil {
		return len(done), fmt.Errorf("sweeping manifests: %w", err)
	}
	return len(done), nil
}

// SweepBlobRecords deletes the records of blobs that are still linked
// nowhere and older than cutoff, and returns those it deleted. Their files
// go afterwards, each only if its record is still absent then.
func (db *DB) SweepBlobRecords(blobs []BlobSize, cutoff time.Time) ([]BlobSize, error) {
	done, err := inBatches(db, blobs, func(tx *bolt.Tx, b BlobSize) (bool, error) {
		var rec blobRecord
		found, err := get(tx.Bucket(bucketBlobs), b.Digest.String(), &rec)
		if err != nil || !found || !rec.Created.Before(cutoff) || blobLinked(tx, b.Digest) {
			return false, err
		}
		return true, tx.Bucket(bucketBlobs).Delete([]byte(b.Digest))
	})
	if err != nil {
		return done, fmt.Errorf("sweeping blob records: %w", err)
	}
	return done, nil
}

// BlobRecorded reports whether blob d has a global record.
func (db *DB) BlobRecorded(d digest.Digest) (bool, error) {
	var ok bool
	err := db.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketBlobs).Get([]byte(d)) != nil
		return nil
	})
	return ok, err
}

// StoreSize returns how many blobs are recorded and their total size.
func (db *DB) StoreSize() (count int, bytes int64, err error) {
	err = db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBlobs).ForEach(func(k, v []byte) error {
			var rec blobRecord
			if err := decode(k, v, &rec); err != nil {
				return err
			}
			count++
			bytes += rec.Size
			return nil
		})
	})
	if err != nil {
		return 0, 0, fmt.Errorf("measuring the store: %w", err)
	}
	return count, bytes, nil
}
