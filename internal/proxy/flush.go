package proxy

import (
	"net"
	"net/http"
)

// flushWriter sends every write of a response to the client at once, so
// that streams pass as the backend sends them. Unlike ReverseProxy's
// FlushInterval -1 it does not flush the header on its own first: a short
// response leaves in one write.
type flushWriter struct {
	http.ResponseWriter
	flusher http.Flusher
	// upgrades tracks the connection Hijack takes over, as hijacked,
	// until the request ends; refused is set when it refused to.
	upgrades *upgrades
	hijacked net.Conn
	refused  bool
}

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.ResponseWriter.Write(p)
	if err == nil && f.flusher != nil {
		f.flusher.Flush()
	}
	return n, err
}

// Flush sends what is buffered.
func (f *flushWriter) Flush() {
	if f.flusher != nil {
		f.flusher.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection, for Upgrade.
func (f *flushWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }
