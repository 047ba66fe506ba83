package meta

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketBlobs      = []byte("blobs")
	bucketManifests  = []byte("manifests")
	bucketBodies     = []byte("bodies")
	bucketUploads    = []byte("uploads")
	bucketRepos      = []byte("repos")
	bucketAudit      = []byte("audit")
	bucketDeliveries = []byte("deliveries")
	// bucketBlobLinks and bucketManifestLinks index repository links by
	// digest ("<digest>\x00<repo>"), so that whether anything still links
	// a digest is one seek, inside the transaction that would delete it.
	bucketBlobLinks     = []byte("bloblinks")
	bucketManifestLinks = []byte("manifestlinks")

	repoBlobs     = []byte("blobs")
	repoManifests = []byte("manifests")
	repoTags      = []byte("tags")
	repoReferrers = []byte("referrers")
	// repoRefs holds "<referenced>\x00<manifest>" for every blob and child
	// manifest a manifest linked in the repository references.
	repoRefs = []byte("refs")

	topBuckets = [][]byte{
		bucketBlobs, bucketManifests, bucketBodies, bucketUploads, bucketRepos,
		bucketAudit, bucketDeliveries, bucketBlobLinks, bucketManifestLinks,
	}
	repoBuckets = [][]byte{repoBlobs, repoManifests, repoTags, repoReferrers, repoRefs}
)

// repo gives access to one repository's buckets.
type repo struct {
	blobs, manifests, tags, referrers, refs *bolt.Bucket
}

// openRepo returns the repository's buckets, or ok=false if it does not
// exist.
func openRepo(tx *bolt.Tx, name string) (repo, bool) {
	b := tx.Bucket(bucketRepos).Bucket([]byte(name))
	if b == nil {
		return repo{}, false
	}
	return repo{
		blobs:     b.Bucket(repoBlobs),
		manifests: b.Bucket(repoManifests),
		tags:      b.Bucket(repoTags),
		referrers: b.Bucket(repoReferrers),
		refs:      b.Bucket(repoRefs),
	}, true
}

// createRepo returns the repository's buckets, creating them if needed.
func createRepo(tx *bolt.Tx, name string) (repo, error) {
	if r, ok := openRepo(tx, name); ok {
		return r, nil
	}
	b, err := tx.Bucket(bucketRepos).CreateBucket([]byte(name))
	if err != nil {
		return repo{}, fmt.Errorf("creating repository %s: %w", name, err)
	}
	for _, sub := range repoBuckets {
		if _, err := b.CreateBucket(sub); err != nil {
			return repo{}, fmt.Errorf("creating repository %s: %w", name, err)
		}
	}
	r, _ := openRepo(tx, name)
	return r, nil
}

// put stores v as JSON under key.
func put(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", key, err)
	}
	return b.Put([]byte(key), data)
}

// get decodes the JSON under key into v; ok is false if key is absent.
func get(b *bolt.Bucket, key string, v any) (bool, error) {
	data := b.Get([]byte(key))
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decoding %s: %w", key, err)
	}
	return true, nil
}

// decode decodes a JSON value read while iterating.
func decode(k, v []byte, out any) error {
	if err := json.Unmarshal(v, out); err != nil {
		return fmt.Errorf("decoding %s: %w", k, err)
	}
	return nil
}
