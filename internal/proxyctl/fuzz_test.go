package proxyctl

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/proxy"
)

// FuzzAnswer feeds the client what a proxy process, of another build or
// broken, might answer a call with.
func FuzzAnswer(f *testing.F) {
	f.Add(400, []byte(`{"error":"setting route a: invalid route: empty host","kind":"invalid_route"}`))
	f.Add(504, []byte(`{"error":"draining backend a: timed out","kind":"drain_timeout","backend":"a","cut":3}`))
	f.Add(500, []byte(`{"error":"","kind":"internal"}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(200, []byte("{\"state\":\"retiring\"}\n{\"error\":\"x\",\"kind\":\"closed\"}\n"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		resp := &http.Response{StatusCode: status, Status: http.StatusText(status), Body: io.NopCloser(bytes.NewReader(body))}
		err := answerError(resp)
		if err == nil {
			t.Fatal("an answer read as no error")
		}
		var e *Error
		if errors.As(err, &e) {
			var de *proxy.DrainError
			if (e.Kind == kindDrainTimeout) != errors.As(err, &de) {
				t.Fatalf("kind %q and DrainError disagree: %v", e.Kind, err)
			}
			if (e.Kind == kindInvalidRoute) != errors.Is(err, proxy.ErrInvalidRoute) {
				t.Fatalf("kind %q and ErrInvalidRoute disagree: %v", e.Kind, err)
			}
		}
		// A retire's lines, read as Retire reads them.
		dec := newRetireReader(bytes.NewReader(body))
		for range 1000 {
			if _, ok := dec.next(); !ok {
				break
			}
		}
	})
}

// FuzzControlRequests sends the control API requests a client of another
// build, or a broken one, might: nothing may panic, and only a request
// that could be read succeeds. Routes are not set, since their backends'
// addresses, and so their health checks, would be the input's.
func FuzzControlRequests(f *testing.F) {
	f.Add("POST", "/v1/drain", []byte(`{"backend":"a"}`))
	f.Add("GET", "/v1/stats?host=a&set=b&revision=1&window=1m", []byte(nil))
	f.Add("GET", "/v1/health?backend=%ff", []byte(nil))
	f.Add("DELETE", "/v1/routes/a%2Fb", []byte(nil))
	f.Add("POST", "/v1/retire", []byte(`{"drain_timeout":-1}`))
	f.Add("GET", "/v1/info", []byte(`{"pid":1}`))
	p := proxy.New(proxy.Options{}, nil)
	defer p.Close()
	f.Fuzz(func(t *testing.T, method, target string, body []byte) {
		if method == http.MethodPut || !strings.HasPrefix(target, "/") {
			return
		}
		req, err := http.NewRequestWithContext(context.Background(), method, "http://proxy"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		s := NewServer(p, ServerOptions{}, nil)
		w := httptest.NewRecorder()
		s.http.Handler.ServeHTTP(w, req)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable && !strings.Contains(target, "retire") && !strings.Contains(target, "save") {
			t.Fatalf("%s %s answered %d: %s", method, target, w.Code, w.Body)
		}
	})
}
