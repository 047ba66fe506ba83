package publish

import "errors"

var (
	// ErrBuild reports a build the builder refused or failed; the error
	// carries the builder's message.
	ErrBuild = errors.New("build failed")
	// ErrSource reports a Source that names no image, or more than one.
	ErrSource = errors.New("invalid image source")
	// ErrNotFound reports an image the daemon or the layout does not have.
	ErrNotFound = errors.New("image not found")
)
