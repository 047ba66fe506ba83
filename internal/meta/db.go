package meta

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// maxBatch bounds how many writes share one transaction.
const maxBatch = 256

// DB is the metadata store.
type DB struct {
	bolt *bolt.DB

	calls   chan call
	closing chan struct{}
	stopped chan struct{}
	once    sync.Once
}

type call struct {
	fn  func(*bolt.Tx) error
	err chan error
}

// Open opens (creating if needed) the store in file path. It fails at once
// if another process has the file open.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating metadata directory: %w", err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        time.Second,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// Reserve address space so that growth rarely remaps, which
		// would wait for every open read transaction.
		InitialMmapSize: 1 << 30,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("opening metadata %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("opening metadata %s: %w", path, err)
	}
	if err := b.Update(initSchema); err != nil {
		b.Close()
		return nil, fmt.Errorf("initializing metadata: %w", err)
	}
	db := &DB{
		bolt:    b,
		calls:   make(chan call),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go db.commitLoop()
	return db, nil
}

// Close waits for pending writes and closes the database.
func (db *DB) Close() error {
	db.once.Do(func() { close(db.closing) })
	<-db.stopped
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("closing metadata: %w", err)
	}
	return nil
}

// update runs fn in a write transaction, possibly together with other
// callers' functions, and returns once the transaction is durable. fn may
// run more than once and must not have effects outside the transaction.
func (db *DB) update(fn func(*bolt.Tx) error) error {
	c := call{fn: fn, err: make(chan error, 1)}
	select {
	case db.calls <- c:
		return <-c.err
	case <-db.closing:
		return ErrClosed
	}
}

// view runs fn in a read transaction.
func (db *DB) view(fn func(*bolt.Tx) error) error { return db.bolt.View(fn) }

// commitLoop is the group committer: it takes every call waiting when the
// previous commit finished and commits them in one transaction.
func (db *DB) commitLoop() {
	defer close(db.stopped)
	for {
		var first call
		select {
		case first = <-db.calls:
		case <-db.closing:
			return
		}
		batch := []call{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case c := <-db.calls:
				batch = append(batch, c)
			default:
				break gather
			}
		}
		db.commit(batch)
	}
}

// errIsolate rolls back a shared transaction after one call failed.
var errIsolate = errors.New("isolating failed call")

func (db *DB) commit(batch []call) {
	if len(batch) > 1 {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			for _, c := range batch {
				if c.fn(tx) != nil {
					return errIsolate
				}
			}
			return nil
		})
		if !errors.Is(err, errIsolate) {
			for _, c := range batch {
				c.err <- err
			}
			return
		}
	}
	// One call failed, or there was only one: each gets a transaction of
	// its own so that a refused write cannot undo the others.
	for _, c := range batch {
		c.err <- db.bolt.Update(c.fn)
	}
}
