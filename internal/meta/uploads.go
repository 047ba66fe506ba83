package meta

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Upload is an upload session.
type Upload struct {
	ID      string    `json:"-"`
	Repo    string    `json:"repo"`
	Started time.Time `json:"started"`
}

// CreateUpload records a new upload session.
func (db *DB) CreateUpload(u Upload) error {
	err := db.update(func(tx *bolt.Tx) error {
		return put(tx.Bucket(bucketUploads), u.ID, u)
	})
	if err != nil {
		return fmt.Errorf("recording upload %s: %w", u.ID, err)
	}
	return nil
}

// Upload returns upload session id.
func (db *DB) Upload(id string) (Upload, error) {
	u := Upload{ID: id}
	err := db.view(func(tx *bolt.Tx) error {
		found, err := get(tx.Bucket(bucketUploads), id, &u)
		if err == nil && !found {
			return ErrUploadUnknown
		}
		return err
	})
	if err != nil {
		return Upload{}, fmt.Errorf("looking up upload %s: %w", id, err)
	}
	return u, nil
}

// DeleteUpload forgets upload session id; forgetting an unknown session is
// not an error.
func (db *DB) DeleteUpload(id string) error {
	err := db.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUploads).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("deleting upload %s: %w", id, err)
	}
	return nil
}

// Uploads lists every upload session.
func (db *DB) Uploads() ([]Upload, error) {
	var out []Upload
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUploads).ForEach(func(k, v []byte) error {
			u := Upload{ID: string(k)}
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decoding upload %s: %w", k, err)
			}
			out = append(out, u)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing uploads: %w", err)
	}
	return out, nil
}
