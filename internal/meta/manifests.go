package meta

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/manifest"
)

// manifestRecord is the global record of a manifest: what it references,
// parsed once when it was pushed.
type manifestRecord struct {
	MediaType    string            `json:"mediaType"`
	Size         int64             `json:"size"`
	Created      time.Time         `json:"created"`
	Blobs        []digest.Digest   `json:"blobs,omitempty"`
	Manifests    []digest.Digest   `json:"manifests,omitempty"`
	Subject      digest.Digest     `json:"subject,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// references lists every blob and child manifest the manifest needs.
func (m manifestRecord) references() []digest.Digest {
	return append(append([]digest.Digest(nil), m.Blobs...), m.Manifests...)
}

// manifestLink is a manifest linked into a repository.
type manifestLink struct {
	MediaType string    `json:"mediaType"`
	Linked    time.Time `json:"linked"`
}

// Manifest is a stored manifest as it is served.
type Manifest struct {
	Digest    digest.Digest
	MediaType string
	Body      []byte
}

// Manifest returns the manifest that ref (a tag, or a digest when it
// contains ":") names in repository name.
func (db *DB) Manifest(name, ref string) (Manifest, error) {
	var m Manifest
	err := db.view(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		d := digest.Digest(ref)
		if !strings.Contains(ref, ":") {
			if d, _ = decodeTag(r.tags.Get([]byte(ref))); d == "" {
				return ErrManifestUnknown
			}
		}
		var link manifestLink
		found, err := get(r.manifests, d.String(), &link)
		if err != nil {
			return err
		}
		body := tx.Bucket(bucketBodies).Get([]byte(d))
		if !found || body == nil {
			return ErrManifestUnknown
		}
		m = Manifest{Digest: d, MediaType: link.MediaType, Body: bytes.Clone(body)}
		return nil
	})
	if err != nil {
		return Manifest{}, fmt.Errorf("looking up manifest %s in %s: %w", ref, name, err)
	}
	return m, nil
}

// ManifestPut is a validated manifest to store.
type ManifestPut struct {
	Digest   digest.Digest
	Body     []byte
	Tag      string // optional
	Manifest *manifest.Manifest
	Origin   Origin
	// Guard refuses moving an immutable tag; nil protects nothing.
	Guard TagGuard
}

// PutManifest stores a manifest in repository name, checking in the same
// transaction that everything it references is there and that the tag may
// point at it. Pushing a tag again with the digest it already has is not
// a change and always succeeds.
func (db *DB) PutManifest(name string, p ManifestPut) error {
	err := db.update(func(tx *bolt.Tx) error {
		r, err := createRepo(tx, name)
		if err != nil {
			return err
		}
		if err := checkReferences(tx, r, p.Manifest); err != nil {
			return err
		}
		if p.Tag != "" {
			if cur, _ := decodeTag(r.tags.Get([]byte(p.Tag))); cur != "" && cur != p.Digest {
				if err := p.Guard.check(name, p.Tag, cur, "move"); err != nil {
					return err
				}
			}
		}
		rec, err := storeManifest(tx, p)
		if err != nil {
			return err
		}
		if err := putManifestLink(tx, r, name, p.Digest, rec, manifestLink{MediaType: rec.MediaType, Linked: p.Origin.Time}); err != nil {
			return err
		}
		if p.Tag != "" {
			if err := r.tags.Put([]byte(p.Tag), encodeTag(p.Digest, p.Origin.Time)); err != nil {
				return err
			}
		}
		if s := p.Manifest.Subject; s != nil {
			desc := v1.Descriptor{
				MediaType:    p.Manifest.MediaType,
				Digest:       p.Digest,
				Size:         int64(len(p.Body)),
				ArtifactType: referrerType(p.Manifest),
				Annotations:  p.Manifest.Annotations,
			}
			if err := put(r.referrers, referrerKey(s.Digest, p.Digest), desc); err != nil {
				return err
			}
		}
		return audit(tx, p.Origin, AuditPush, name, p.Tag, p.Digest)
	})
	if err != nil {
		return fmt.Errorf("storing manifest %s in %s: %w", p.Digest, name, err)
	}
	return nil
}

// checkReferences refuses a manifest whose blobs or child manifests are
// not in the repository, or whose sizes disagree with the stored ones.
func checkReferences(tx *bolt.Tx, r repo, m *manifest.Manifest) error {
	for _, d := range m.Blobs {
		var link BlobLink
		found, err := get(r.blobs, d.Digest.String(), &link)
		if err != nil {
			return err
		}
		if !found {
			return &MissingError{Digest: d.Digest, What: "blob"}
		}
		if link.Size != d.Size {
			return &SizeError{Digest: d.Digest, Stored: link.Size, Stated: d.Size}
		}
	}
	for _, d := range m.Manifests {
		if r.manifests.Get([]byte(d.Digest)) == nil {
			return &MissingError{Digest: d.Digest, What: "manifest"}
		}
		var rec manifestRecord
		if _, err := get(tx.Bucket(bucketManifests), d.Digest.String(), &rec); err != nil {
			return err
		}
		if rec.Size != d.Size {
			return &SizeError{Digest: d.Digest, Stored: rec.Size, Stated: d.Size}
		}
	}
	return nil
}

// storeManifest writes the global record and body once per digest and
// returns the record.
func storeManifest(tx *bolt.Tx, p ManifestPut) (manifestRecord, error) {
	var rec manifestRecord
	if found, err := get(tx.Bucket(bucketManifests), p.Digest.String(), &rec); found || err != nil {
		return rec, err
	}
	m := p.Manifest
	rec = manifestRecord{
		MediaType:    m.MediaType,
		Size:         int64(len(p.Body)),
		Created:      p.Origin.Time,
		ArtifactType: m.ArtifactType,
		Annotations:  m.Annotations,
	}
	for _, d := range m.Blobs {
		rec.Blobs = append(rec.Blobs, d.Digest)
	}
	for _, d := range m.Manifests {
		rec.Manifests = append(rec.Manifests, d.Digest)
	}
	if m.Subject != nil {
		rec.Subject = m.Subject.Digest
	}
	if err := put(tx.Bucket(bucketManifests), p.Digest.String(), rec); err != nil {
		return rec, err
	}
	return rec, tx.Bucket(bucketBodies).Put([]byte(p.Digest), p.Body)
}

// DeleteManifest unlinks manifest d from repository name with every tag
// that points at it and its entry in its subject's referrers. A tag that
// guard protects keeps the whole manifest, and an index in the repository
// that lists it keeps it too (see protect.go).
func (db *DB) DeleteManifest(name string, d digest.Digest, guard TagGuard, o Origin) error {
	err := db.update(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		if r.manifests.Get([]byte(d)) == nil {
			return ErrManifestUnknown
		}
		return deleteManifest(tx, r, name, d, guard, o)
	})
	if err != nil {
		return fmt.Errorf("deleting manifest %s from %s: %w", d, name, err)
	}
	return nil
}

func deleteManifest(tx *bolt.Tx, r repo, name string, d digest.Digest, guard TagGuard, o Origin) error {
	tags, err := tagsOf(r.tags, d)
	if err != nil {
		return err
	}
	for _, t := range tags {
		if err := guard.check(name, t, d, "delete"); err != nil {
			return err
		}
	}
	if err := checkDelete(r, name, d, "manifest", guard); err != nil {
		return err
	}
	for _, t := range tags {
		if err := r.tags.Delete([]byte(t)); err != nil {
			return err
		}
	}
	var rec manifestRecord
	if _, err := get(tx.Bucket(bucketManifests), d.String(), &rec); err != nil {
		return err
	}
	if err := deleteManifestLink(tx, r, name, d, rec); err != nil {
		return err
	}
	if rec.Subject != "" {
		if err := r.referrers.Delete([]byte(referrerKey(rec.Subject, d))); err != nil {
			return err
		}
	}
	return audit(tx, o, AuditDelete, name, "", d)
}

// tagsOf lists the tags that point at d.
func tagsOf(tags *bolt.Bucket, d digest.Digest) ([]string, error) {
	var out []string
	err := tags.ForEach(func(k, v []byte) error {
		if target, _ := decodeTag(v); target == d {
			out = append(out, string(k))
		}
		return nil
	})
	return out, err
}
