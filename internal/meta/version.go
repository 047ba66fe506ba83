package meta

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the layout this code reads and writes. A store with
// another version is refused rather than misread.
const schemaVersion = "1"

var (
	bucketInfo = []byte("info")
	keySchema  = []byte("schema")

	// ErrSchema reports a store written in a layout this build does not
	// know.
	ErrSchema = errors.New("unsupported metadata layout")
)

// initSchema creates the buckets of a new store, or checks the version of
// an existing one and adds buckets introduced since it was made.
func initSchema(tx *bolt.Tx) error {
	info, err := tx.CreateBucketIfNotExists(bucketInfo)
	if err != nil {
		return err
	}
	switch v := info.Get(keySchema); {
	case v == nil:
		if repos := tx.Bucket(bucketRepos); repos != nil {
			if k, _ := repos.Cursor().First(); k != nil {
				return fmt.Errorf("%w: the store has data but no version; start from an empty data directory", ErrSchema)
			}
		}
		if err := info.Put(keySchema, []byte(schemaVersion)); err != nil {
			return err
		}
	case string(v) != schemaVersion:
		return fmt.Errorf("%w: version %s, this build reads %s", ErrSchema, v, schemaVersion)
	}
	for _, name := range topBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}
