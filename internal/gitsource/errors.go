package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// classify gives an error of go-git's talking to the source the meaning
// berth acts on: ErrAuth, ErrBranchUnknown or ErrUnreachable, each with
// the cause wrapped too; the context's error when it ended. Anything else
// is returned as it is.
func classify(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	case ctx.Err() != nil:
		return err
	case errors.Is(err, ErrAuth):
		return err
	case errors.Is(err, transport.ErrAuthenticationRequired),
		errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod),
		sshAuthFailed(err):
		return fmt.Errorf("%w: %w", ErrAuth, err)
	case errors.Is(err, transport.ErrEmptyRemoteRepository),
		errors.Is(err, git.NoMatchingRefSpecError{}):
		return fmt.Errorf("%w: %w", ErrBranchUnknown, err)
	case transient(err):
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return err
}

// sshAuthFailed reports the SSH client's refusal by the server: x/crypto
// has no error value for it, only this message.
func sshAuthFailed(err error) bool {
	return strings.Contains(err.Error(), "ssh: unable to authenticate")
}

// transient reports an error of the network or of an overloaded server:
// one a later try may not meet.
func transient(err error) bool {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ETIMEDOUT),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var unexpected *plumbing.UnexpectedError
	if errors.As(err, &unexpected) {
		var httpErr *githttp.Err
		if errors.As(unexpected.Err, &httpErr) && httpErr.Response != nil {
			code := httpErr.StatusCode()
			return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
		}
		return transient(unexpected.Err)
	}
	return false
}

// redacted is an error whose message has the source's secrets blanked
// out; errors.Is and errors.As see the error it holds.
type redacted struct {
	err     error
	secrets []string
}

func (e *redacted) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

func (e *redacted) Unwrap() error { return e.err }

// redact returns err with any of secrets blanked out of its message.
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			return &redacted{err: err, secrets: secrets}
		}
	}
	return err
}
