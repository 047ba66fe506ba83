package blob

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
)

// algorithms whose fan-out directories exist.
var algorithms = []digest.Algorithm{digest.SHA256, digest.SHA512}

// Store is a filesystem blob store rooted at a directory:
//
//	blobs/<algorithm>/<first two hex>/<hex>   committed blobs
//	uploads/<id>                              uploads in progress
type Store struct {
	blobs   string
	uploads string

	mu       sync.Mutex
	sessions map[string]*session

	bufs        sync.Pool // *[]byte of chunkSize, reused across uploads
	digestLocks [256]sync.Mutex
}

// Open opens (creating if needed) the store under dir.
func Open(dir string) (*Store, error) {
	s := &Store{
		blobs:    filepath.Join(dir, "blobs"),
		uploads:  filepath.Join(dir, "uploads"),
		sessions: make(map[string]*session),
	}
	if err := os.MkdirAll(s.uploads, 0o750); err != nil {
		return nil, fmt.Errorf("creating upload directory: %w", err)
	}
	// Every fan-out directory exists from the start, so committing a blob
	// never creates a directory that would need its own fsync.
	for _, alg := range algorithms {
		created := false
		for i := 0; i < 256; i++ {
			p := filepath.Join(s.blobs, string(alg), fmt.Sprintf("%02x", i))
			if _, err := os.Stat(p); err == nil {
				continue
			}
			if err := os.MkdirAll(p, 0o750); err != nil {
				return nil, fmt.Errorf("creating blob directory: %w", err)
			}
			created = true
		}
		if created {
			if err := syncDirs(filepath.Join(s.blobs, string(alg)), s.blobs, dir); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// Path is where the blob with digest d lives. d must be a validated digest.
func (s *Store) Path(d digest.Digest) string {
	hex := d.Encoded()
	return filepath.Join(s.blobs, string(d.Algorithm()), hex[:2], hex)
}

// Stat returns the size of blob d, or ErrNotFound.
func (s *Store) Stat(d digest.Digest) (int64, error) {
	fi, err := os.Stat(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("reading blob %s: %w", d, err)
	}
	return fi.Size(), nil
}

// Open opens blob d for reading. The caller closes it; serving it from the
// *os.File lets the kernel send it with sendfile.
func (s *Store) Open(d digest.Digest) (*os.File, error) {
	f, err := os.Open(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening blob %s: %w", d, err)
	}
	return f, nil
}

// Sweep removes blob d from disk if confirm, called with d locked against
// commits, says it is garbage. It reports whether the file was removed.
func (s *Store) Sweep(d digest.Digest, confirm func() (bool, error)) (bool, error) {
	unlock := s.lockDigest(d)
	defer unlock()
	ok, err := confirm()
	if err != nil || !ok {
		return false, err
	}
	err = os.Remove(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("removing blob %s: %w", d, err)
	}
	return true, nil
}

// lockDigest serializes commits and sweeps of one digest. Digests share
// a fixed set of locks, so the cost is a mutex per operation.
func (s *Store) lockDigest(d digest.Digest) (unlock func()) {
	var i byte
	if b, err := hex.DecodeString(d.Encoded()[:2]); err == nil {
		i = b[0]
	}
	mu := &s.digestLocks[i]
	mu.Lock()
	return mu.Unlock
}

// syncDirs fsyncs each directory so that entries created or renamed in it
// survive a crash of the machine.
func syncDirs(dirs ...string) error {
	for _, d := range dirs {
		f, err := os.Open(d)
		if err != nil {
			return fmt.Errorf("opening directory %s: %w", d, err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("syncing directory %s: %w", d, err)
		}
	}
	return nil
}

// Walk calls fn for every blob file on disk, with its digest and
// modification time, and stops at the first error fn returns.
func (s *Store) Walk(fn func(d digest.Digest, mod time.Time) error) error {
	for _, alg := range algorithms {
		root := filepath.Join(s.blobs, string(alg))
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			d := digest.NewDigestFromEncoded(alg, e.Name())
			if d.Validate() != nil || filepath.Base(filepath.Dir(p)) != e.Name()[:2] {
				return nil // not a blob this store wrote
			}
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			if err != nil {
				return err
			}
			return fn(d, info.ModTime())
		})
		if err != nil {
			return fmt.Errorf("walking blobs: %w", err)
		}
	}
	return nil
}
