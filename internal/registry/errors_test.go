package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/meta"
)

func TestAThrottledLoginGets429WithRetryAfter(t *testing.T) {
	err := fmt.Errorf("authorizing: %w", &auth.ThrottledError{RetryAfter: 7 * time.Second})
	w := httptest.NewRecorder()
	writeError(w, httptest.NewRequest(http.MethodGet, "/v2/", nil), slog.New(slog.DiscardHandler), err)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "7" {
		t.Fatalf("status %d, Retry-After %q; want 429 and 7", w.Code, w.Header().Get("Retry-After"))
	}
	var body errorBody
	if err := json.NewDecoder(w.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Errors) != 1 || body.Errors[0].Code != codeTooManyRequests || !strings.Contains(body.Errors[0].Message, "try again in 7s") {
		t.Fatalf("body %+v", body)
	}
}

func TestServerFailuresHideTheirDetailBehindARequestID(t *testing.T) {
	const path = "/data/uploads/3b0c"
	tests := []struct {
		name      string
		err       error
		header    string // X-Request-Id sent, if any
		status    int
		code      string
		message   string // what the body says before the request id
		reuseID   bool
		requestID bool // whether the answer carries a request id at all
	}{
		{"an unexpected failure answers a generic message",
			fmt.Errorf("creating upload: open %s: %w", path, syscall.EACCES), "", 500, codeUnknown, "internal error", false, true},
		{"a full disk says so without the path",
			fmt.Errorf("writing %s: %w", path, syscall.ENOSPC), "", 507, codeUnavailable, "the registry is out of storage space", false, true},
		{"a closed store asks to try again",
			fmt.Errorf("reading %s: %w", path, meta.ErrClosed), "", 503, codeUnavailable, "the registry is unavailable; try again later", false, true},
		{"a sane X-Request-Id is reused",
			errors.New("open " + path), "ci-build-42/step.3", 500, codeUnknown, "internal error", true, true},
		{"an X-Request-Id with a space is replaced",
			errors.New("open " + path), "a b", 500, codeUnknown, "internal error", false, true},
		{"an X-Request-Id over 64 characters is replaced",
			errors.New("open " + path), strings.Repeat("x", 65), 500, codeUnknown, "internal error", false, true},
		{"a client error keeps its message",
			fmt.Errorf("reading %s: %w", path, meta.ErrManifestUnknown), "", 404, codeManifestUnknown, "reading " + path, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			r := httptest.NewRequest(http.MethodGet, "/v2/app/manifests/v1", nil)
			if tt.header != "" {
				r.Header.Set("X-Request-Id", tt.header)
			}
			w := httptest.NewRecorder()
			writeError(w, r, slog.New(slog.NewTextHandler(&logs, nil)), tt.err)
			var body errorBody
			if err := json.NewDecoder(w.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || len(body.Errors) != 1 || body.Errors[0].Code != tt.code {
				t.Fatalf("got %d %+v, want %d %s", w.Code, body, tt.status, tt.code)
			}
			msg, id := body.Errors[0].Message, w.Header().Get("X-Request-Id")
			if !tt.requestID {
				if id != "" || logs.Len() != 0 || !strings.HasPrefix(msg, tt.message) {
					t.Fatalf("message %q, X-Request-Id %q, logged %q", msg, id, logs.String())
				}
				return
			}
			if want := tt.message + "; request id " + id; id == "" || msg != want {
				t.Fatalf("message %q with X-Request-Id %q, want %q", msg, id, want)
			}
			if (id == tt.header) != tt.reuseID {
				t.Fatalf("X-Request-Id %q for a request that sent %q", id, tt.header)
			}
			if !saneRequestID(id) {
				t.Fatalf("X-Request-Id %q is not itself sane", id)
			}
			if log := logs.String(); !strings.Contains(log, "request_id="+id) || !strings.Contains(log, path) {
				t.Fatalf("the log lacks the id or the detail: %s", log)
			}
		})
	}
}

func FuzzRequestID(f *testing.F) {
	f.Add("ci-build-42/step.3")
	f.Add("a b")
	f.Add("line\r\nX-Injected: 1")
	f.Fuzz(func(t *testing.T, sent string) {
		r := httptest.NewRequest(http.MethodGet, "/v2/", nil)
		r.Header["X-Request-Id"] = []string{sent}
		id := requestID(r)
		if !saneRequestID(id) {
			t.Fatalf("requestID gave %q for %q", id, sent)
		}
		if id != sent && saneRequestID(sent) {
			t.Fatalf("a sane id %q was replaced by %q", sent, id)
		}
	})
}
