package proxy

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/berth-dev/berth/internal/accesslog"
	"github.com/berth-dev/berth/internal/clientaddr"
)

// accessWriter notes what the access log tells of a response: its
// status, the bytes of its body and the backend that answered.
type accessWriter struct {
	http.ResponseWriter
	status   int
	bytes    int64
	upstream string
}

func (a *accessWriter) WriteHeader(code int) {
	if a.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		a.status = code
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *accessWriter) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	n, err := a.ResponseWriter.Write(b)
	a.bytes += int64(n)
	return n, err
}

// Flush sends what is buffered.
func (a *accessWriter) Flush() {
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (a *accessWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// serveLogged serves r and logs it in Options.AccessLog, even when
// serving it panics to cut the response.
func (p *Proxy) serveLogged(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
	start := time.Now()
	aw := &accessWriter{ResponseWriter: w}
	completed := false
	defer func() {
		status := aw.status
		switch {
		case status != 0:
		case !completed:
			status = http.StatusBadGateway // cut before any answer
		case aw.upstream != "":
			status = http.StatusSwitchingProtocols // the connection was taken over
		default:
			status = http.StatusOK
		}
		accesslog.Line(r.Context(), log, r, clientaddr.Of(r, p.opts.TrustedProxies), start, status, aw.bytes, "", aw.upstream)
	}()
	p.serveHTTP(aw, r, aw)
	completed = true
}
