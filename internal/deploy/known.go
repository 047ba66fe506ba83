package deploy

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketContainers holds the containers berth started: app \x00 id -> "".
// A container with berth's labels that is not there was made by hand,
// such as one removed and run again with the labels copied and another
// configuration: the engine replaces it instead of trusting its labels.
var bucketContainers = []byte("containers")

func containerKey(app, id string) []byte { return append(append([]byte(app), 0), id...) }

// knowContainer records that berth started container id of app.
func (s *store) knowContainer(app, id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContainers).Put(containerKey(app, id), nil)
	})
	if err != nil {
		return fmt.Errorf("recording container %s of %s: %w", id, app, err)
	}
	return nil
}

// knownContainers returns the containers of app berth started.
func (s *store) knownContainers(app string) (map[string]bool, error) {
	out := map[string]bool{}
	prefix := containerKey(app, "")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketContainers).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			out[string(k[len(prefix):])] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the containers of %s: %w", app, err)
	}
	return out, nil
}

// forgetContainers drops the records of app's containers that are not
// in present, all of them when present is nil.
func (s *store) forgetContainers(app string, present map[string]bool) error {
	prefix := containerKey(app, "")
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketContainers)
		var gone [][]byte // collected first: deleting under a cursor skips keys
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			if !present[string(k[len(prefix):])] {
				gone = append(gone, k)
			}
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forgetting the containers of %s: %w", app, err)
	}
	return nil
}
