package blob

import (
	"crypto/rand"
	"crypto/sha256"
	_ "crypto/sha512" // go-digest hashes only algorithms linked in
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
)

// Upload describes an upload file on disk.
type Upload struct {
	ID      string
	Size    int64
	ModTime time.Time
}

// session is the in-memory state of one upload: the running sha256 of the
// bytes already on disk, so that no byte is read back on commit.
type session struct {
	mu     sync.Mutex
	h      hash.Hash
	hashed int64 // bytes covered by h; -1 when h must be rebuilt from disk
}

// NewUploadID returns a fresh random upload identifier.
func NewUploadID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// validID accepts the identifiers NewUploadID makes and nothing that could
// name another file.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func (s *Store) uploadPath(id string) string { return filepath.Join(s.uploads, id) }

// lock returns the session for id, locked. The caller unlocks it.
func (s *Store) lock(id string) *session {
	s.mu.Lock()
	ss, ok := s.sessions[id]
	if !ok {
		ss = &session{hashed: -1}
		s.sessions[id] = ss
	}
	s.mu.Unlock()
	ss.mu.Lock()
	return ss
}

func (s *Store) forget(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
}

// CreateUpload creates the empty file for upload id.
func (s *Store) CreateUpload(id string) error {
	if !validID(id) {
		return fmt.Errorf("upload %q: %w", id, ErrUploadUnknown)
	}
	f, err := os.OpenFile(s.uploadPath(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("creating upload %s: %w", id, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("creating upload %s: %w", id, err)
	}
	return nil
}

// openUpload opens upload id for reading and writing and returns its size.
func (s *Store) openUpload(id string) (*os.File, int64, error) {
	if !validID(id) {
		return nil, 0, fmt.Errorf("upload %q: %w", id, ErrUploadUnknown)
	}
	f, err := os.OpenFile(s.uploadPath(id), os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("upload %s: %w", id, ErrUploadUnknown)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("opening upload %s: %w", id, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("reading upload %s: %w", id, err)
	}
	return f, fi.Size(), nil
}

// UploadSize returns how many bytes upload id holds.
func (s *Store) UploadSize(id string) (int64, error) {
	f, size, err := s.openUpload(id)
	if err != nil {
		return 0, err
	}
	f.Close()
	return size, nil
}

// Append writes r to the end of upload id and returns the upload's new
// size. With start >= 0 the chunk must begin exactly at the current end
// (a *RangeError otherwise). If reading r or writing fails, the upload is
// cut back to where it was: a chunk is applied whole or not at all.
func (s *Store) Append(id string, start int64, r io.Reader) (int64, error) {
	ss := s.lock(id)
	defer ss.mu.Unlock()
	f, size, err := s.openUpload(id)
	if err != nil {
		s.forget(id)
		return 0, err
	}
	defer f.Close()
	if start >= 0 && start != size {
		return size, &RangeError{Start: start, Size: size}
	}
	if err := ss.catchUp(f, size); err != nil {
		return size, err
	}
	saved, err := ss.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return size, fmt.Errorf("saving hash state: %w", err)
	}
	n, err := s.copyHashing(&fileWriter{f: f, off: size, kicked: size}, ss.h, r)
	if err == nil {
		ss.hashed = size + n
		return size + n, nil
	}
	// Undo the partial chunk; if even that fails the hash is rebuilt from
	// whatever is on disk on the next request.
	ss.hashed = -1
	if terr := f.Truncate(size); terr == nil {
		if uerr := ss.h.(encoding.BinaryUnmarshaler).UnmarshalBinary(saved); uerr == nil {
			ss.hashed = size
		}
	}
	return size, err
}

// catchUp makes the session's hash cover the first size bytes of f.
func (ss *session) catchUp(f *os.File, size int64) error {
	if ss.hashed == size && ss.h != nil {
		return nil
	}
	ss.h = sha256.New()
	if _, err := io.Copy(ss.h, io.NewSectionReader(f, 0, size)); err != nil {
		ss.hashed = -1
		return fmt.Errorf("rehashing upload: %w", err)
	}
	ss.hashed = size
	return nil
}

// Commit verifies that upload id has digest want and makes it blob want:
// fsynced, then renamed into place. It returns the blob's size. On a
// digest mismatch the upload is removed and nothing is created.
//
// link, if not nil, records the blob elsewhere (the metadata store) while
// the digest is still locked, so that Sweep cannot remove the file between
// its placing and its recording.
func (s *Store) Commit(id string, want digest.Digest, link func(size int64) error) (int64, error) {
	ss := s.lock(id)
	defer ss.mu.Unlock()
	f, size, err := s.openUpload(id)
	if err != nil {
		s.forget(id)
		return 0, err
	}
	got, err := ss.digest(f, size, want.Algorithm())
	if err == nil && got != want {
		err = &MismatchError{Want: want, Got: got}
		s.removeUpload(id)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("committing upload %s: %w", id, err)
	}
	unlock := s.lockDigest(want)
	defer unlock()
	if err := s.place(s.uploadPath(id), want); err != nil {
		return 0, err
	}
	s.forget(id)
	if link != nil {
		if err := link(size); err != nil {
			return 0, err
		}
	}
	return size, nil
}

// digest returns the digest of the first size bytes of f with alg.
func (ss *session) digest(f *os.File, size int64, alg digest.Algorithm) (digest.Digest, error) {
	if alg == digest.SHA256 {
		if err := ss.catchUp(f, size); err != nil {
			return "", err
		}
		return digest.NewDigest(alg, ss.h), nil
	}
	d, err := alg.FromReader(io.NewSectionReader(f, 0, size))
	if err != nil {
		return "", fmt.Errorf("hashing upload: %w", err)
	}
	return d, nil
}

// place moves a verified, synced file to blob d's path. When the blob is
// already there (the same bytes, by construction) the file is dropped.
func (s *Store) place(src string, d digest.Digest) error {
	dst := s.Path(d)
	if _, err := os.Stat(dst); err == nil {
		return s.dropFile(src)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("placing blob %s: %w", d, err)
	}
	return syncDirs(filepath.Dir(dst))
}

func (s *Store) dropFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", p, err)
	}
	return nil
}

// Ingest stores r as blob want in one step (a monolithic upload) and
// returns its size; link is as for Commit.
func (s *Store) Ingest(r io.Reader, want digest.Digest, link func(size int64) error) (int64, error) {
	id := NewUploadID()
	if err := s.CreateUpload(id); err != nil {
		return 0, err
	}
	if _, err := s.Append(id, 0, r); err != nil {
		s.DeleteUpload(id)
		return 0, err
	}
	size, err := s.Commit(id, want, link)
	if err != nil {
		s.DeleteUpload(id)
		return 0, err
	}
	return size, nil
}

// DeleteUpload removes upload id and its data. Deleting an upload that is
// gone is not an error.
func (s *Store) DeleteUpload(id string) {
	if !validID(id) {
		return
	}
	ss := s.lock(id)
	s.removeUpload(id)
	ss.mu.Unlock()
}

func (s *Store) removeUpload(id string) {
	_ = s.dropFile(s.uploadPath(id)) // a leftover file is found again by Uploads
	s.forget(id)
}

// Uploads lists the upload files on disk.
func (s *Store) Uploads() ([]Upload, error) {
	entries, err := os.ReadDir(s.uploads)
	if err != nil {
		return nil, fmt.Errorf("listing uploads: %w", err)
	}
	out := make([]Upload, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue // removed while listing
		}
		out = append(out, Upload{ID: e.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
	}
	return out, nil
}

// RemoveStray deletes a file in the upload directory that is not a valid
// upload (left over by an older crash); valid IDs go through DeleteUpload.
func (s *Store) RemoveStray(name string) {
	if validID(name) {
		s.DeleteUpload(name)
		return
	}
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return
	}
	_ = s.dropFile(filepath.Join(s.uploads, name))
}
