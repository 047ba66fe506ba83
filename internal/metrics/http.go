package metrics

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// Wrap counts every request h serves; route names it for the labels and
// must return few distinct values.
func (m *Metrics) Wrap(route func(*http.Request) string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		body := &countingBody{ReadCloser: r.Body}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = body
		}
		h.ServeHTTP(rec, r)
		name := route(r)
		method := methodLabel(r.Method)
		m.requests.WithLabelValues(name, method, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(name, method).Observe(time.Since(start).Seconds())
		m.bytesIn.Add(float64(body.n))
		m.bytesOut.Add(float64(rec.n))
	})
}

// methodLabel keeps unknown methods from growing the label set.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return m
	}
	return "other"
}

// recorder remembers the status and counts the bytes of a response. It
// passes ReadFrom through, so a file still goes out with sendfile.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	n      int64
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.n += int64(n)
	return n, err
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	r.wrote = true
	var n int64
	var err error
	if rf, ok := r.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(r.ResponseWriter, src)
	}
	r.n += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}
