package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// clientBody is a request body as the proxy reads it from the client. It
// remembers a read that failed, so that a request the client did not
// finish sending (a malformed chunked body, one shorter than its
// Content-Length, a client gone mid-body) is told apart from a backend
// that failed. With a timeout it cuts a body that makes no progress for
// that long: each read must return within it.
//
// The backend's transport reads the body on a goroutine of its own, which
// may outlive the handler: once the handler ended (finish), the body
// reads no more and leaves the connection's deadlines alone.
type clientBody struct {
	body    io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration

	mu       sync.Mutex
	err      error // the first read error other than io.EOF, before Close
	eof      bool
	closed   bool
	finished bool
}

// errBodyAfterHandler is a read of a request body after its handler
// returned.
var errBodyAfterHandler = errors.New("request body read after its handler returned")

// wrapBody puts a clientBody in place of r's body, if it has one, and
// returns it; nil means r has no body.
func wrapBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) *clientBody {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b := &clientBody{body: r.Body, timeout: timeout}
	if timeout > 0 {
		b.rc = http.NewResponseController(w)
	}
	r.Body = b
	return b
}

func (b *clientBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.finished {
		b.mu.Unlock()
		return 0, errBodyAfterHandler
	}
	if b.rc != nil && !b.eof {
		// Once the body hit its end the server reads the connection in
		// the background, and a deadline would cut that read.
		b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	b.mu.Unlock()
	n, err := b.body.Read(p)
	if err != nil {
		b.mu.Lock()
		switch {
		case err == io.EOF:
			b.eof = true
		case b.err == nil && !b.closed:
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

// Close closes the body. The server reads what is left of it to reuse the
// connection; with a timeout, that read too must end within it.
func (b *clientBody) Close() error {
	b.mu.Lock()
	b.closed = true
	if b.rc != nil && !b.eof && !b.finished {
		b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	b.mu.Unlock()
	return b.body.Close()
}

// finish marks the end of the request's handler. The server then reads
// what is left of the body; with a timeout, that read must end within it.
func (b *clientBody) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rc != nil && !b.eof && !b.closed {
		b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	b.finished = true
}

// failed returns the error a read of the body failed with, or nil.
func (b *clientBody) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// clientStatus is the status that answers a request whose body failed
// with err: 408 when the client stalled past the body timeout, 400
// otherwise.
func clientStatus(err error) int {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}
