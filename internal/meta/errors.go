package meta

import (
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
)

var (
	// ErrNameUnknown reports a repository that does not exist.
	ErrNameUnknown = errors.New("repository name not known to registry")
	// ErrBlobUnknown reports a blob not linked into the repository.
	ErrBlobUnknown = errors.New("blob unknown to registry")
	// ErrManifestUnknown reports a manifest or tag not in the repository.
	ErrManifestUnknown = errors.New("manifest unknown")
	// ErrUploadUnknown reports an upload session that does not exist.
	ErrUploadUnknown = errors.New("blob upload unknown to registry")
	// ErrManifestBlobUnknown reports a manifest that references content
	// missing from the repository.
	ErrManifestBlobUnknown = errors.New("manifest references an unknown blob")
	// ErrManifestInvalid reports a manifest whose references contradict
	// what the repository holds.
	ErrManifestInvalid = errors.New("manifest invalid")
	// ErrClosed reports use of a closed store.
	ErrClosed = errors.New("metadata store closed")
	// ErrLocked reports a store another process has open.
	ErrLocked = errors.New("in use by another process")
)

// MissingError names the content a manifest references but the repository
// lacks.
type MissingError struct {
	Digest digest.Digest
	What   string // "blob" or "manifest"
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s %s is not in the repository; push it first", e.What, e.Digest)
}
func (e *MissingError) Unwrap() error { return ErrManifestBlobUnknown }

// SizeError reports a descriptor whose size differs from the stored one.
type SizeError struct {
	Digest         digest.Digest
	Stored, Stated int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("%s has %d bytes but the manifest says %d", e.Digest, e.Stored, e.Stated)
}
func (e *SizeError) Unwrap() error { return ErrManifestInvalid }
