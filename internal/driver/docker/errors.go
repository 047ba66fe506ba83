package docker

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"github.com/berth-dev/berth/internal/driver"
)

// daemonError is an error from the daemon that also is one of driver's
// errors, so that errors.Is finds both while the message stays the
// daemon's.
type daemonError struct {
	kind error // driver.ErrNotFound or driver.ErrImage
	err  error
}

func (e *daemonError) Error() string   { return e.err.Error() }
func (e *daemonError) Unwrap() []error { return []error{e.kind, e.err} }

// notFound marks err as driver.ErrNotFound when the daemon reports a
// missing object.
func notFound(err error) error {
	if cerrdefs.IsNotFound(err) {
		return &daemonError{kind: driver.ErrNotFound, err: err}
	}
	return err
}

// pullError classifies an error met while pulling: a cancelled ctx or a
// daemon that does not answer stays what it is; anything the daemon
// reports about the pull means the image cannot be had.
func pullError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if client.IsErrConnectionFailed(err) {
		return err
	}
	return &daemonError{kind: driver.ErrImage, err: err}
}

// namePart is what app, service and set names may hold: they become
// parts of Docker object names.
var namePart = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func checkName(what, name string) error {
	if !namePart.MatchString(name) {
		return fmt.Errorf("invalid %s name %q: want letters, digits, '_', '.' and '-', starting with a letter or digit", what, name)
	}
	return nil
}

var errNoImage = errors.New("no image given")
