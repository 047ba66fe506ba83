package meta

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	bolt "go.etcd.io/bbolt"
)

// Origin is who makes a change, from where, and when.
type Origin struct {
	Actor string
	Addr  string
	Time  time.Time
}

// Audit actions.
const (
	AuditPush       = "push"
	AuditDelete     = "delete"
	AuditUntag      = "untag"
	AuditDeleteBlob = "delete-blob"
)

// AuditEntry records one change: who pushed or deleted what, and when.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Addr   string    `json:"addr,omitempty"`
	Action string    `json:"action"`
	Repo   string    `json:"repo"`
	Tag    string    `json:"tag,omitempty"`
	Digest string    `json:"digest,omitempty"`
}

// audit appends an entry in the transaction that makes the change, so the
// log has exactly the changes that happened.
func audit(tx *bolt.Tx, o Origin, action, repo, tag string, d digest.Digest) error {
	b := tx.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	key := make([]byte, 16)
	binary.BigEndian.PutUint64(key, uint64(o.Time.UnixNano()))
	binary.BigEndian.PutUint64(key[8:], seq)
	data, err := json.Marshal(AuditEntry{
		Time: o.Time, Actor: o.Actor, Addr: o.Addr, Action: action, Repo: repo, Tag: tag, Digest: string(d),
	})
	if err != nil {
		return fmt.Errorf("encoding audit entry: %w", err)
	}
	return b.Put(key, data)
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	Repo  string    // only this repository, if set
	Since time.Time // only entries at or after this time, if set
	Limit int       // at most this many; 0 means 100
}

// Audit lists entries newest first.
func (db *DB) Audit(q AuditQuery) ([]AuditEntry, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	out := []AuditEntry{}
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil && len(out) < q.Limit; k, v = c.Prev() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decoding audit entry: %w", err)
			}
			if !q.Since.IsZero() && e.Time.Before(q.Since) {
				break
			}
			if q.Repo == "" || e.Repo == q.Repo {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading audit log: %w", err)
	}
	return out, nil
}

// PruneAudit deletes all but the newest keep entries and returns how many
// it deleted.
func (db *DB) PruneAudit(keep int) (int, error) {
	n := 0
	err := db.update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketAudit)
		excess := b.Stats().KeyN - keep
		var doomed [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && len(doomed) < excess; k, _ = c.Next() {
			doomed = append(doomed, k)
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pruning audit log: %w", err)
	}
	return n, nil
}
