package meta

import (
	"bytes"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"
)

func referrerKey(subject, referrer digest.Digest) string {
	return subject.String() + "\x00" + referrer.String()
}

// Referrers lists the manifests in repository name whose subject is
// subject, optionally only those of artifactType, in digest order.
func (db *DB) Referrers(name string, subject digest.Digest, artifactType string) ([]v1.Descriptor, error) {
	out := []v1.Descriptor{}
	err := db.view(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		prefix := []byte(subject.String() + "\x00")
		c := r.referrers.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			var d v1.Descriptor
			if _, err := get(r.referrers, string(k), &d); err != nil {
				return err
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
