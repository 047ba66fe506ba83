package blob

import (
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
)

var (
	// ErrNotFound reports a blob that is not on disk.
	ErrNotFound = errors.New("blob not found")
	// ErrUploadUnknown reports an upload that does not exist.
	ErrUploadUnknown = errors.New("upload not found")
	// ErrDigestMismatch reports uploaded bytes whose digest differs from
	// the one the client claimed.
	ErrDigestMismatch = errors.New("digest does not match content")
	// ErrRangeInvalid reports a chunk that does not start where the upload
	// ends.
	ErrRangeInvalid = errors.New("chunk out of order")
)

// RangeError reports a chunk that does not start at the upload's end.
type RangeError struct {
	Start int64 // where the chunk claimed to start
	Size  int64 // how many bytes the upload holds
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("chunk starts at %d but the upload holds %d bytes", e.Start, e.Size)
}
func (e *RangeError) Unwrap() error { return ErrRangeInvalid }

// MismatchError reports uploaded content whose digest is not the claimed one.
type MismatchError struct{ Want, Got digest.Digest }

func (e *MismatchError) Error() string {
	return fmt.Sprintf("content has digest %s, not %s", e.Got, e.Want)
}
func (e *MismatchError) Unwrap() error { return ErrDigestMismatch }

// BodyError reports a failure to read the client's bytes, as opposed to a
// failure of the store.
type BodyError struct{ Err error }

func (e *BodyError) Error() string { return "reading upload body: " + e.Err.Error() }
func (e *BodyError) Unwrap() error { return e.Err }
