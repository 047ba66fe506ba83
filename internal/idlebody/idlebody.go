package idlebody

import (
	"io"
	"net/http"
	"time"
)

// Handler returns h with request bodies that send nothing for idle cut:
// a read of the body that waits longer than idle fails, and the server
// closes the connection after the answer. An idle of 0 or less returns h.
//
// http.Server's ReadTimeout bounds the whole request instead, which cuts
// a large upload on a slow link; the deadline here is set afresh before
// each read. It is also set when the handler starts, so that a handler
// that answers without reading the body does not leave the server waiting
// forever to discard it. Once the body has been read to its end the
// deadline is cleared: the server's own read that watches for the client
// going away must not cancel a long-running handler.
func Handler(h http.Handler, idle time.Duration) http.Handler {
	if idle <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(idle)) != nil {
			h.ServeHTTP(w, r) // the connection has no deadlines to set
			return
		}
		r2 := *r
		r2.Body = &body{ReadCloser: r.Body, rc: rc, idle: idle}
		h.ServeHTTP(w, &r2)
	})
}

// body is a request body whose every read must make progress within idle.
type body struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	done bool // read to its end or failed: the deadline is cleared
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	} else if err != nil {
		b.done = true // the server closes the connection after the answer
	}
	return n, err
}
