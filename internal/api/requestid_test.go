package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/gc"
)

// brokenCollector fails as a store on a bad disk would, with a path in
// its error.
type brokenCollector struct{}

func (brokenCollector) Run(context.Context, bool) (gc.Report, error) {
	return gc.Report{}, errors.New("opening /var/lib/berth/blobs/sha256/ab: permission denied")
}
func (brokenCollector) Last() (gc.Report, int, bool) { return gc.Report{}, 0, false }

func TestServerErrorsHideTheirDetailBehindARequestID(t *testing.T) {
	var logged bytes.Buffer
	a := New(nil, slog.New(slog.NewTextHandler(&logged, nil)))
	a.HandleGC(brokenCollector{})
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	post := func(id string) (*http.Response, map[string]string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/registry/gc", nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]string
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return res, body
	}

	t.Run("the answer names no path and gives an id the log has", func(t *testing.T) {
		res, body := post("")
		id := res.Header.Get("X-Request-Id")
		if res.StatusCode != http.StatusInternalServerError || !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
			t.Fatalf("answered %d with X-Request-Id %q", res.StatusCode, id)
		}
		if len(body) != 2 || body["error"] != "internal error" || body["requestId"] != id {
			t.Fatalf("body %v, want only the error and the id %s", body, id)
		}
		if log := logged.String(); !strings.Contains(log, "request_id="+id) || !strings.Contains(log, "/var/lib/berth/blobs") {
			t.Fatalf("the log lacks the id or the detail:\n%s", log)
		}
	})
	t.Run("a sane id from the client is kept", func(t *testing.T) {
		res, body := post("ci-run-42.step_7")
		if res.Header.Get("X-Request-Id") != "ci-run-42.step_7" || body["requestId"] != "ci-run-42.step_7" {
			t.Fatalf("X-Request-Id %q, body %v", res.Header.Get("X-Request-Id"), body)
		}
	})
	t.Run("an id that could forge log lines is replaced", func(t *testing.T) {
		for _, id := range []string{"a b", "x\" err=forged", "x\ty", strings.Repeat("a", 65)} {
			res, _ := post(id)
			if got := res.Header.Get("X-Request-Id"); got == id || len(got) != 16 {
				t.Fatalf("X-Request-Id %q sent, %q answered", id, got)
			}
		}
	})
	t.Run("client errors still say what was wrong", func(t *testing.T) {
		res, err := http.Post(srv.URL+"/api/registry/gc?dry_run=maybe", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]string
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body["error"], "dry_run") || res.Header.Get("X-Request-Id") != "" {
			t.Fatalf("a bad parameter answered %d %v", res.StatusCode, body)
		}
	})
}

func FuzzSaneRequestID(f *testing.F) {
	for _, s := range []string{"ci-run-42", "", "a b", "x\ny", strings.Repeat("z", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if saneRequestID(id) && (len(id) > 64 || !printableASCII(id)) {
			t.Fatalf("saneRequestID(%q) accepted it", id)
		}
	})
}

// printableASCII reports whether s is printable ASCII.
func printableASCII(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
