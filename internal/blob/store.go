package blob

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

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

	bufs sync.Pool // *[]byte of chunkSize, reused across uploads
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

// Remove deletes blob d from disk. Only garbage collection calls it, after
// proving that nothing references d.
func (s *Store) Remove(d digest.Digest) error {
	err := os.Remove(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing blob %s: %w", d, err)
	}
	return nil
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
