package gitops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/deploy"
)

// Buckets of the state file. An app is keyed by appID.key: its name in
// the default environment, env/name in another.
var (
	bucketApps      = []byte("apps")      // app -> appState
	bucketRejected  = []byte("rejected")  // app/service/digest -> rejection
	bucketRestores  = []byte("restores")  // app -> restore, still to write to git
	bucketSuspended = []byte("suspended") // source or source/app -> ""
)

// applied is what a commit of a source led to for one app.
type applied struct {
	Commit string `json:"commit"`
	// Inputs is the digest of everything the app was read from: the
	// file, the variables and the files it refers to.
	Inputs string `json:"inputs"`
	// Digests are the images by service, as resolved when applied.
	Digests map[string]string `json:"digests"`
	// Revision is the engine's revision it led to.
	Revision int `json:"revision"`
}

// appState is what the controller remembers of an app a source holds.
type appState struct {
	Source string `json:"source"`
	File   string `json:"file"`
	// Applied is the last attempt known to be live; nil before.
	Applied *applied `json:"applied,omitempty"`
	// Attempt is the rollout started last, until its end is known.
	Attempt *applied `json:"attempt,omitempty"`
	// Failed is an attempt that failed and rolled back: the same inputs
	// are not tried again until git changes.
	Failed *applied `json:"failed,omitempty"`
	// FailReason says why Failed failed.
	FailReason string `json:"failReason,omitempty"`
	// Promoted is a promotion written to git whose rollout has not
	// started yet: the rollout of its digests records where they came
	// from.
	Promoted *promoted `json:"promoted,omitempty"`
}

// promoted is a promotion written to git.
type promoted struct {
	Commit string           `json:"commit"`
	By     deploy.Promotion `json:"by"`
	// Digests are the images it wrote, by service.
	Digests map[string]string `json:"digests"`
}

// promotion is what a rollout of digests records as its promotion: the
// one written to git when it wrote these digests, else nil. A
// promotion that git no longer says is dropped.
func (a *appState) promotion(digests map[string]string) *deploy.Promotion {
	p := a.Promoted
	if p == nil {
		return nil
	}
	for svc, d := range p.Digests {
		if digests[svc] != d {
			a.Promoted = nil
			return nil
		}
	}
	by := p.By
	return &by
}

// rejection is a digest abandoned by a rollback, which image automation
// does not propose again for the service.
type rejection struct {
	Revision int       `json:"revision"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

// restore is a rollback still to write to git: the file's images set
// back to what revision To runs, or its spec when no image differs.
type restore struct {
	Source string `json:"source"`
	// From is the revision abandoned, To the one live again.
	From   int    `json:"from"`
	To     int    `json:"to"`
	Reason string `json:"reason"`
}

// state is the controller's bbolt file.
type state struct{ db *bolt.DB }

func openState(path string) (*state, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening git sync state %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketApps, bucketRejected, bucketRestores, bucketSuspended} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening git sync state %s: %w", path, err)
	}
	return &state{db: db}, nil
}

func (s *state) close() error { return s.db.Close() }

func get[T any](s *state, bucket []byte, key string) (*T, error) {
	var out *T
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucket).Get([]byte(key))
		if v == nil {
			return nil
		}
		out = new(T)
		return json.Unmarshal(v, out)
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s of the git sync state: %w", bucket, key, err)
	}
	return out, nil
}

func put(s *state, bucket []byte, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), data) })
	if err != nil {
		return fmt.Errorf("writing %s/%s of the git sync state: %w", bucket, key, err)
	}
	return nil
}

func del(s *state, bucket []byte, key string) error {
	err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Delete([]byte(key)) })
	if err != nil {
		return fmt.Errorf("deleting %s/%s of the git sync state: %w", bucket, key, err)
	}
	return nil
}

// all reads every entry of bucket.
func all[T any](s *state, bucket []byte) (map[string]T, error) {
	out := map[string]T{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var t T
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			out[string(k)] = t
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s of the git sync state: %w", bucket, err)
	}
	return out, nil
}

func (s *state) app(name string) (*appState, error) { return get[appState](s, bucketApps, name) }

func (s *state) putApp(name string, a *appState) error { return put(s, bucketApps, name, a) }

func (s *state) apps() (map[string]appState, error) { return all[appState](s, bucketApps) }

func rejectedKey(app, service, digest string) string { return app + "/" + service + "/" + digest }

func (s *state) reject(app, service, digest string, r rejection) error {
	return put(s, bucketRejected, rejectedKey(app, service, digest), r)
}

func (s *state) rejected(app, service, digest string) (bool, error) {
	r, err := get[rejection](s, bucketRejected, rejectedKey(app, service, digest))
	return r != nil, err
}

// forget drops what is kept of app: its state, rejections and pending
// restore, once it is removed.
func (s *state) forget(app string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketApps).Delete([]byte(app)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRestores).Delete([]byte(app)); err != nil {
			return err
		}
		// The app's own are app/service/digest: the prefix alone would
		// take those of an environment named as the app too.
		b := tx.Bucket(bucketRejected)
		prefix := []byte(app + "/")
		var own [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if bytes.Count(k[len(prefix):], []byte("/")) == 1 {
				own = append(own, bytes.Clone(k))
			}
		}
		for _, k := range own {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forgetting app %s in the git sync state: %w", app, err)
	}
	return nil
}

func suspendKey(source, app string) string {
	if app == "" {
		return source
	}
	return source + "/" + app
}

func (s *state) setSuspended(source, app string, on bool) error {
	if on {
		return put(s, bucketSuspended, suspendKey(source, app), true)
	}
	return del(s, bucketSuspended, suspendKey(source, app))
}

func (s *state) suspended(source, app string) (bool, error) {
	v, err := get[bool](s, bucketSuspended, suspendKey(source, app))
	return v != nil, err
}
