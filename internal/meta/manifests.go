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
		d := ref
		if !strings.Contains(ref, ":") {
			target := r.tags.Get([]byte(ref))
			if target == nil {
				return ErrManifestUnknown
			}
			d = string(target)
		}
		var link manifestLink
		found, err := get(r.manifests, d, &link)
		if err != nil {
			return err
		}
		body := tx.Bucket(bucketBodies).Get([]byte(d))
		if !found || body == nil {
			return ErrManifestUnknown
		}
		m = Manifest{Digest: digest.Digest(d), MediaType: link.MediaType, Body: bytes.Clone(body)}
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
	Now      time.Time
}

// PutManifest stores a manifest in repository name, checking in the same
// transaction that everything it references is there.
func (db *DB) PutManifest(name string, p ManifestPut) error {
	err := db.update(func(tx *bolt.Tx) error {
		r, err := createRepo(tx, name)
		if err != nil {
			return err
		}
		if err := checkReferences(tx, r, p.Manifest); err != nil {
			return err
		}
		if err := storeManifest(tx, p); err != nil {
			return err
		}
		if err := put(r.manifests, p.Digest.String(), manifestLink{MediaType: p.Manifest.MediaType, Linked: p.Now}); err != nil {
			return err
		}
		if p.Tag != "" {
			if err := r.tags.Put([]byte(p.Tag), []byte(p.Digest)); err != nil {
				return err
			}
		}
		if s := p.Manifest.Subject; s != nil {
			desc := v1.Descriptor{
				MediaType:    p.Manifest.MediaType,
				Digest:       p.Digest,
				Size:         int64(len(p.Body)),
				ArtifactType: p.Manifest.ArtifactType,
				Annotations:  p.Manifest.Annotations,
			}
			return put(r.referrers, referrerKey(s.Digest, p.Digest), desc)
		}
		return nil
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

// storeManifest writes the global record and body once per digest.
func storeManifest(tx *bolt.Tx, p ManifestPut) error {
	bodies := tx.Bucket(bucketBodies)
	if bodies.Get([]byte(p.Digest)) != nil {
		return nil
	}
	m := p.Manifest
	rec := manifestRecord{
		MediaType:    m.MediaType,
		Size:         int64(len(p.Body)),
		Created:      p.Now,
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
		return err
	}
	return bodies.Put([]byte(p.Digest), p.Body)
}

// DeleteManifest unlinks manifest d from repository name with every tag
// that points at it and its entry in its subject's referrers.
func (db *DB) DeleteManifest(name string, d digest.Digest) error {
	err := db.update(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		if r.manifests.Get([]byte(d)) == nil {
			return ErrManifestUnknown
		}
		if err := r.manifests.Delete([]byte(d)); err != nil {
			return err
		}
		if err := deleteTagsOf(r.tags, d); err != nil {
			return err
		}
		var rec manifestRecord
		if _, err := get(tx.Bucket(bucketManifests), d.String(), &rec); err != nil {
			return err
		}
		if rec.Subject != "" {
			return r.referrers.Delete([]byte(referrerKey(rec.Subject, d)))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("deleting manifest %s from %s: %w", d, name, err)
	}
	return nil
}

func deleteTagsOf(tags *bolt.Bucket, d digest.Digest) error {
	var doomed [][]byte
	err := tags.ForEach(func(k, v []byte) error {
		if string(v) == string(d) {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := tags.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
