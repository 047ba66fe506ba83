package deploy

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketApps      = []byte("apps")      // app -> appRecord
	bucketRevisions = []byte("revisions") // app \x00 number -> Revision
)

// appRecord is the desired state of one app.
type appRecord struct {
	Name string `json:"name"`
	// Live is the revision whose containers should serve, 0 before the
	// first successful rollout.
	Live int `json:"live"`
	// Latest is the highest revision number given out.
	Latest int `json:"latest"`
}

// store keeps apps and revisions in their own bbolt file, the secrets
// of revisions sealed with box.
type store struct {
	db  *bolt.DB
	box Sealer
	// adoptContainers is set when the store did not record containers
	// yet: recover takes every container of an app as berth's.
	adoptContainers bool
}

// openStore opens the store at path and seals the variables of any
// revision stored before they were sealed.
func openStore(path string, box Sealer) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("opening deploy state %s: in use by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening deploy state %s: %w", path, err)
	}
	s := &store{db: db, box: box}
	sealed := 0
	err = db.Update(func(tx *bolt.Tx) error {
		// A store from before berth kept its containers: what runs is
		// taken as berth's once, at the first start.
		s.adoptContainers = tx.Bucket(bucketContainers) == nil
		for _, b := range [][]byte{bucketApps, bucketRevisions, bucketContainers} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		sealed, err = s.sealPlain(tx)
		return err
	})
	if err == nil && sealed > 0 {
		// The plain text is still in the pages the rewrite freed: copy
		// the live data to a new file, which holds none of it.
		err = s.compact(path)
	}
	if err != nil {
		s.db.Close()
		return nil, fmt.Errorf("initializing deploy state: %w", err)
	}
	return s, nil
}

// compact rewrites the store at path into a new file and opens that.
func (s *store) compact(path string) error {
	tmp := path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, nil)
	if err != nil {
		return err
	}
	if err := bolt.Compact(dst, s.db, 1<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("compacting: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := s.db.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	s.db = db
	return nil
}

func (s *store) close() error { return s.db.Close() }

func revisionKey(app string, n int) []byte {
	k := make([]byte, len(app)+1+8)
	copy(k, app)
	binary.BigEndian.PutUint64(k[len(app)+1:], uint64(n))
	return k
}

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decoding %q: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %q: %w", key, err)
	}
	return b.Put(key, data)
}

// app returns the record of app, or ErrAppUnknown.
func (s *store) app(name string) (appRecord, error) {
	var a appRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketApps), []byte(name), &a)
		if err == nil && !found {
			return ErrAppUnknown
		}
		return err
	})
	if err != nil {
		return appRecord{}, fmt.Errorf("reading app %s: %w", name, err)
	}
	return a, nil
}

// apps lists every app.
func (s *store) apps() ([]appRecord, error) {
	var out []appRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApps).ForEach(func(k, v []byte) error {
			var a appRecord
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decoding app %s: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing apps: %w", err)
	}
	return out, nil
}

// newRevision numbers rev, stores it and returns the number.
func (s *store) newRevision(rev *Revision) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		apps := tx.Bucket(bucketApps)
		a := appRecord{Name: rev.App}
		if _, err := getJSON(apps, []byte(rev.App), &a); err != nil {
			return err
		}
		a.Latest++
		rev.Number = a.Latest
		if err := putJSON(apps, []byte(rev.App), a); err != nil {
			return err
		}
		return s.putRevision(tx.Bucket(bucketRevisions), rev)
	})
	if err != nil {
		return fmt.Errorf("recording revision of %s: %w", rev.App, err)
	}
	return nil
}

// saveRevision stores rev as it is now; when live, it also becomes the
// app's live revision and the one before it is superseded.
func (s *store) saveRevision(rev *Revision, live bool) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		revs := tx.Bucket(bucketRevisions)
		if live {
			apps := tx.Bucket(bucketApps)
			var a appRecord
			if _, err := getJSON(apps, []byte(rev.App), &a); err != nil {
				return err
			}
			if a.Live != 0 && a.Live != rev.Number {
				if prev, found, err := s.getRevision(revs, revisionKey(rev.App, a.Live)); err != nil {
					return err
				} else if found && prev.Outcome == OutcomeSucceeded {
					prev.Outcome = OutcomeSuperseded
					if err := s.putRevision(revs, &prev); err != nil {
						return err
					}
				}
			}
			a.Live = rev.Number
			if err := putJSON(apps, []byte(rev.App), a); err != nil {
				return err
			}
		}
		return s.putRevision(revs, rev)
	})
	if err != nil {
		return fmt.Errorf("saving revision %d of %s: %w", rev.Number, rev.App, err)
	}
	return nil
}

// revision returns revision n of app.
func (s *store) revision(app string, n int) (Revision, error) {
	var r Revision
	err := s.db.View(func(tx *bolt.Tx) error {
		var found bool
		var err error
		r, found, err = s.getRevision(tx.Bucket(bucketRevisions), revisionKey(app, n))
		if err == nil && !found {
			return ErrRevisionUnknown
		}
		return err
	})
	if err != nil {
		return Revision{}, fmt.Errorf("reading revision %d of %s: %w", n, app, err)
	}
	return r, nil
}

// revisions lists the revisions of app, newest first, at most limit.
func (s *store) revisions(app string, limit int) ([]Revision, error) {
	var out []Revision
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(app), 0)
		c := tx.Bucket(bucketRevisions).Cursor()
		// Seek past the app's last key, then walk back.
		k, _ := c.Seek(revisionKey(app, 1<<62))
		var v []byte
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && len(out) < limit && hasPrefix(k, prefix); k, v = c.Prev() {
			r, err := s.decodeRevision(k, v)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing revisions of %s: %w", app, err)
	}
	return out, nil
}

// deleteApp forgets app and its revisions and returns how many there were.
func (s *store) deleteApp(app string) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketApps).Get([]byte(app)) == nil {
			return ErrAppUnknown
		}
		if err := tx.Bucket(bucketApps).Delete([]byte(app)); err != nil {
			return err
		}
		prefix := append([]byte(app), 0)
		revs := tx.Bucket(bucketRevisions)
		var keys [][]byte // collected first: deleting under a cursor skips keys
		c := revs.Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, k)
		}
		for _, k := range keys {
			if err := revs.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		var known [][]byte
		cs := tx.Bucket(bucketContainers).Cursor()
		for k, _ := cs.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = cs.Next() {
			known = append(known, k)
		}
		for _, k := range known {
			if err := tx.Bucket(bucketContainers).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("deleting app %s: %w", app, err)
	}
	return n, nil
}

func hasPrefix(k, prefix []byte) bool {
	return len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix)
}
