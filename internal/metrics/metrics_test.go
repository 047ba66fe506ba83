package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type fixedStore struct{}

func (fixedStore) StoreSize() (int, int64, error) { return 3, 3000, nil }

type fixedGC struct{}

func (fixedGC) Stats() (int, float64, int64) { return 2, 1.5, 4096 }

func scrape(t testing.TB, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

func TestRequestsAreCountedByRouteMethodAndStatus(t *testing.T) {
	m := New(fixedStore{})
	m.RegisterGC(fixedGC{})
	file := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(file, []byte(strings.Repeat("x", 5000)), 0o600); err != nil {
		t.Fatal(err)
	}
	h := m.Wrap(func(r *http.Request) string { return "blob" }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusCreated)
			return
		}
		http.ServeFile(w, r, file) // goes through ReadFrom
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	req, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader("12345678"))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	m.UploadFinished(10, 2*time.Second)

	out := scrape(t, m)
	for _, want := range []string{
		`berth_http_requests_total{code="200",method="GET",route="blob"} 1`,
		`berth_http_requests_total{code="201",method="PUT",route="blob"} 1`,
		`berth_http_sent_bytes_total 5000`,
		`berth_http_received_bytes_total 8`,
		`berth_registry_upload_duration_seconds_count 1`,
		`berth_registry_uploaded_bytes_total 10`,
		`berth_store_bytes 3000`,
		`berth_store_blobs 3`,
		`berth_gc_runs_total 2`,
		`berth_gc_freed_bytes_total 4096`,
		`berth_gc_last_duration_seconds 1.5`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestTheRecorderKeepsReadFrom(t *testing.T) {
	var w http.ResponseWriter = &recorder{ResponseWriter: httptest.NewRecorder()}
	if _, ok := w.(io.ReaderFrom); !ok {
		t.Fatal("the wrapped writer hides ReadFrom, and with it sendfile")
	}
}

func TestUnknownMethodsShareALabel(t *testing.T) {
	if methodLabel("BREW") != "other" || methodLabel(http.MethodPatch) != http.MethodPatch {
		t.Fatal("method labels")
	}
}
