package deploy

import (
	"encoding/json"
	"fmt"
	"maps"

	bolt "go.etcd.io/bbolt"
)

// Sealer encrypts what a deploy was given in secret, the variables and
// files of a revision, for the store.
type Sealer interface {
	Seal(plain []byte) []byte
	Open(sealed []byte) ([]byte, error)
}

// revisionRecord is a revision as the store keeps it: its variables and
// files sealed, never in plain text.
type revisionRecord struct {
	Revision
	// Sealed is the JSON of the revision's secrets, sealed.
	Sealed []byte `json:"sealed,omitempty"`
	// PlainEnv is where revisions stored before sealing kept their
	// variables; openStore seals them.
	PlainEnv map[string]string `json:"env,omitempty"`
}

// secrets are a revision's inputs that are not in its spec.
type secrets struct {
	Env   map[string]string `json:"env,omitempty"`
	Files map[string][]byte `json:"files,omitempty"`
}

// putRevision stores rev with its secrets sealed.
func (s *store) putRevision(b *bolt.Bucket, rev *Revision) error {
	rec := revisionRecord{Revision: *rev}
	if len(rev.Env) > 0 || len(rev.Files) > 0 {
		plain, err := json.Marshal(secrets{Env: rev.Env, Files: rev.Files})
		if err != nil {
			return fmt.Errorf("encoding the secrets of revision %d: %w", rev.Number, err)
		}
		rec.Sealed = s.box.Seal(plain)
	}
	return putJSON(b, revisionKey(rev.App, rev.Number), rec)
}

// decodeRevision reads a stored revision and opens its secrets.
func (s *store) decodeRevision(key, data []byte) (Revision, error) {
	var rec revisionRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return Revision{}, fmt.Errorf("decoding revision %q: %w", key, err)
	}
	rev := rec.Revision
	rev.Env = maps.Clone(rec.PlainEnv)
	if len(rec.Sealed) > 0 {
		plain, err := s.box.Open(rec.Sealed)
		if err != nil {
			return Revision{}, fmt.Errorf("opening the secrets of revision %d of %s (is the secrets key the one they were sealed with?): %w",
				rev.Number, rev.App, err)
		}
		var sec secrets
		if err := json.Unmarshal(plain, &sec); err != nil {
			return Revision{}, fmt.Errorf("decoding the secrets of revision %d of %s: %w", rev.Number, rev.App, err)
		}
		rev.Env, rev.Files = sec.Env, sec.Files
	}
	return rev, nil
}

// getRevision reads revision key from b.
func (s *store) getRevision(b *bolt.Bucket, key []byte) (Revision, bool, error) {
	data := b.Get(key)
	if data == nil {
		return Revision{}, false, nil
	}
	rev, err := s.decodeRevision(key, data)
	return rev, true, err
}

// sealPlain seals the variables of revisions stored before sealing.
func (s *store) sealPlain(tx *bolt.Tx) (int, error) {
	b := tx.Bucket(bucketRevisions)
	type plain struct {
		key []byte
		rev Revision
	}
	var found []plain
	err := b.ForEach(func(k, v []byte) error {
		var rec revisionRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decoding revision %q: %w", k, err)
		}
		if len(rec.PlainEnv) > 0 {
			rev, err := s.decodeRevision(k, v)
			if err != nil {
				return err
			}
			found = append(found, plain{append([]byte(nil), k...), rev})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, p := range found {
		if err := s.putRevision(b, &p.rev); err != nil {
			return 0, err
		}
	}
	return len(found), nil
}
