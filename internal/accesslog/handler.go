package accesslog

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// Line logs one request that ended now, started at start. upstream is
// the backend's address for the proxy, and account the actor for the
// registry; each is left out when "".
func Line(ctx context.Context, log *slog.Logger, r *http.Request, client netip.Addr, start time.Time, status int, bytes int64, account, upstream string) {
	attrs := [...]slog.Attr{
		slog.String("client", clientString(client)),
		slog.String("host", r.Host),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", bytes),
		slog.Duration("duration", time.Since(start)),
		{},
	}
	n := len(attrs) - 1
	switch {
	case upstream != "":
		attrs[n] = slog.String("upstream", upstream)
		n++
	case account != "":
		attrs[n] = slog.String("account", account)
		n++
	}
	log.LogAttrs(ctx, slog.LevelInfo, "request", attrs[:n]...)
}

func clientString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Handler logs every request next serves to log, the client's address
// being what client returns. A nil log returns next itself.
func Handler(next http.Handler, log *slog.Logger, client func(*http.Request) netip.Addr) http.Handler {
	if log == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		e := &entry{}
		rw := &recorder{ResponseWriter: w}
		ctx := context.WithValue(r.Context(), entryKey{}, e)
		completed := false
		// Deferred, to log a request whose handler panics (as
		// http.ErrAbortHandler cuts a response) too.
		defer func() {
			status := rw.status
			if status == 0 {
				// Nothing written: net/http answers 200, or nothing
				// when the handler panicked.
				status = http.StatusOK
				if !completed {
					status = http.StatusInternalServerError
				}
			}
			Line(ctx, log, r, client(r), start, status, rw.bytes, e.account, "")
		}()
		next.ServeHTTP(rw, r.WithContext(ctx))
		completed = true
	})
}

// entry is what a request's handlers tell its line.
type entry struct{ account string }

type entryKey struct{}

// SetAccount names the account a request was made by, on its line in the
// access log, if it has one.
func SetAccount(ctx context.Context, account string) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.account = account
	}
}

// recorder notes the status and the body bytes of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 && code >= 200 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	n, err := rw.ResponseWriter.Write(p)
	rw.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the connection's sendfile for files served whole.
func (rw *recorder) ReadFrom(src io.Reader) (int64, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := rw.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(struct{ io.Writer }{rw.ResponseWriter}, src)
	}
	rw.bytes += n
	return n, err
}

// Flush sends what is buffered, for streamed responses.
func (rw *recorder) Flush() {
	if f, ok := rw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
