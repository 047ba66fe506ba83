package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketWaiting = []byte("waiting") // env \x00 app -> Waiting
	bucketAuto    = []byte("auto")    // env \x00 app -> autoMark
)

// Waiting is a promotion waiting for a person's approval.
type Waiting struct {
	App string `json:"app"`
	// Env is the environment it would roll out in, From and Revision
	// the environment and revision whose digests it takes.
	Env      string `json:"env"`
	From     string `json:"from"`
	Revision int    `json:"revision"`
	// Images are the digests, by service, as repository@digest.
	Images map[string]string `json:"images"`
	// By asked for it: a person, or "auto" for the environment's rule.
	By    string    `json:"by"`
	Since time.Time `json:"since"`
}

// autoMark is the source revision an automatic promotion last handled
// for an app, so that it acts on each revision once, whatever came of
// it.
type autoMark struct {
	From     string `json:"from"`
	Revision int    `json:"revision"`
}

// store keeps the pipeline's records in a bbolt file.
type store struct{ db *bolt.DB }

func openStore(path string) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("opening pipeline state %s: in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening pipeline state %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketWaiting, bucketAuto} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initializing pipeline state: %w", err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

func key(env, app string) []byte { return []byte(env + "\x00" + app) }

// get reads the record of env/app in bucket into v; false when there is
// none.
func (s *store) get(bucket []byte, env, app string, v any) (bool, error) {
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucket).Get(key(env, app))
		if data == nil {
			return nil
		}
		found = true
		return json.Unmarshal(data, v)
	})
	if err != nil {
		return false, fmt.Errorf("reading pipeline state of %s/%s: %w", env, app, err)
	}
	return found, nil
}

// put stores v as the record of env/app in bucket; nil deletes it.
func (s *store) put(bucket []byte, env, app string, v any) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if v == nil {
			return b.Delete(key(env, app))
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return b.Put(key(env, app), data)
	})
	if err != nil {
		return fmt.Errorf("saving pipeline state of %s/%s: %w", env, app, err)
	}
	return nil
}

func (s *store) waiting(env, app string) (*Waiting, error) {
	var w Waiting
	found, err := s.get(bucketWaiting, env, app, &w)
	if !found || err != nil {
		return nil, err
	}
	return &w, nil
}

func (s *store) setWaiting(env, app string, w *Waiting) error {
	if w == nil {
		return s.put(bucketWaiting, env, app, nil)
	}
	return s.put(bucketWaiting, env, app, w)
}

func (s *store) autoMark(env, app string) (autoMark, error) {
	var m autoMark
	_, err := s.get(bucketAuto, env, app, &m)
	return m, err
}

func (s *store) setAutoMark(env, app string, m autoMark) error {
	return s.put(bucketAuto, env, app, m)
}
