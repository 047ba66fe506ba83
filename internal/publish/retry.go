package publish

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// retryBackoff makes five attempts, 0.5 s, 1 s, 2 s and 4 s apart.
var retryBackoff = remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 5}

// retryStatusCodes are the answers worth another attempt: a timeout, a
// rate limit, and a server or the proxy in front of it failing.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// transient reports whether err is worth another attempt: one of the
// retryStatusCodes, a connection reset or cut short, a network timeout.
// Any other answer of the registry (401, 403, 404, 409 for an immutable
// tag, 400) is final, whatever its error code says.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if terr, ok := errors.AsType[*transport.Error](err); ok {
		for _, code := range retryStatusCodes {
			if terr.StatusCode == code {
				return true
			}
		}
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	nerr, ok := errors.AsType[net.Error](err)
	return ok && nerr.Timeout()
}
