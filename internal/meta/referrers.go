package meta

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/manifest"
)

func referrerKey(subject, referrer digest.Digest) string {
	return subject.String() + "\x00" + referrer.String()
}

// referrerType is the artifactType the referrers API reports for m: its
// own, or for an image manifest without one, its config's media type, as
// the distribution spec asks.
func referrerType(m *manifest.Manifest) string {
	if m.ArtifactType == "" && m.Kind == manifest.KindImage && len(m.Blobs) > 0 {
		return m.Blobs[0].MediaType // the config comes first
	}
	return m.ArtifactType
}

// Referrers lists the manifests in repository name whose subject is
// subject, optionally only those of artifactType, in digest order. A
// repository that does not exist has none.
func (db *DB) Referrers(name string, subject digest.Digest, artifactType string) ([]v1.Descriptor, error) {
	out := []v1.Descriptor{}
	err := db.view(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return nil
		}
		prefix := []byte(subject.String() + "\x00")
		c := r.referrers.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			var d v1.Descriptor
			if _, err := get(r.referrers, string(k), &d); err != nil {
				return err
			}
			if d.ArtifactType == "" {
				d.ArtifactType = configType(tx, d.Digest)
			}
			if artifactType == "" || d.ArtifactType == artifactType {
				out = append(out, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing referrers of %s in %s: %w", subject, name, err)
	}
	return out, nil
}

// configType is the config media type of image manifest d, or "" for an
// index: the artifactType of a referrer stored before referrerType
// filled it in.
func configType(tx *bolt.Tx, d digest.Digest) string {
	var body struct {
		Config *v1.Descriptor `json:"config"`
	}
	if json.Unmarshal(tx.Bucket(bucketBodies).Get([]byte(d)), &body) != nil || body.Config == nil {
		return ""
	}
	return body.Config.MediaType
}
