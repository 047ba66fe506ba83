package accesslog

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/clientaddr"
)

// lines decodes the JSON lines of buf.
func lines(t testing.TB, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetAccount(r.Context(), "ci")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello")
	}), log, func(r *http.Request) netip.Addr { return clientaddr.Of(r, trusted) })

	t.Run("a request is one line with its fields", func(t *testing.T) {
		buf.Reset()
		r := httptest.NewRequest(http.MethodPut, "http://registry.example.com/v2/shop/manifests/v1?x=1", nil)
		r.RemoteAddr = "192.0.2.4:5555"
		h.ServeHTTP(httptest.NewRecorder(), r)
		got := lines(t, &buf)
		if len(got) != 1 {
			t.Fatalf("%d lines, want 1: %s", len(got), buf.String())
		}
		l := got[0]
		for k, want := range map[string]any{
			"msg": "request", "level": "INFO", "client": "192.0.2.4", "host": "registry.example.com", "method": "PUT",
			"path": "/v2/shop/manifests/v1", "status": 201.0, "bytes": 5.0, "account": "ci",
		} {
			if l[k] != want {
				t.Errorf("%s = %v, want %v", k, l[k], want)
			}
		}
		if _, ok := l["duration"].(float64); !ok {
			t.Errorf("duration = %v, want a number", l["duration"])
		}
		if _, ok := l["time"]; !ok {
			t.Error("no time")
		}
	})
	t.Run("a spoofed X-Forwarded-For from an untrusted peer is not believed", func(t *testing.T) {
		buf.Reset()
		r := httptest.NewRequest(http.MethodGet, "/v2/", nil)
		r.RemoteAddr = "192.0.2.4:5555"
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got := lines(t, &buf)[0]["client"]; got != "192.0.2.4" {
			t.Fatalf("client = %v, want the peer", got)
		}
	})
	t.Run("X-Forwarded-For from a trusted peer names the client", func(t *testing.T) {
		buf.Reset()
		r := httptest.NewRequest(http.MethodGet, "/v2/", nil)
		r.RemoteAddr = "10.1.2.3:5555"
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got := lines(t, &buf)[0]["client"]; got != "198.51.100.7" {
			t.Fatalf("client = %v, want the forwarded address", got)
		}
	})
}

func TestHandlerStatus(t *testing.T) {
	tests := []struct {
		name    string
		serve   http.HandlerFunc
		status  float64
		bytes   float64
		account bool
	}{
		{"nothing written is 200", func(http.ResponseWriter, *http.Request) {}, 200, 0, false},
		{"a body alone is 200", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "abc") }, 200, 3, false},
		{"an error keeps its status", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "nope", http.StatusNotFound)
		}, 404, 5, false},
		{"a body copied with ReadFrom is counted", func(w http.ResponseWriter, _ *http.Request) {
			io.Copy(w, strings.NewReader("0123456789"))
		}, 200, 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := Handler(tt.serve, slog.New(slog.NewJSONHandler(&buf, nil)), func(*http.Request) netip.Addr { return netip.Addr{} })
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
			l := lines(t, &buf)[0]
			if l["status"] != tt.status || l["bytes"] != tt.bytes {
				t.Fatalf("status %v bytes %v, want %v %v", l["status"], l["bytes"], tt.status, tt.bytes)
			}
			if _, ok := l["account"]; ok != tt.account {
				t.Fatalf("account %v", l["account"])
			}
		})
	}
}

func TestHandlerPanic(t *testing.T) {
	var buf bytes.Buffer
	h := Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }),
		slog.New(slog.NewJSONHandler(&buf, nil)), func(*http.Request) netip.Addr { return netip.Addr{} })
	func() {
		defer func() {
			if recover() != http.ErrAbortHandler {
				t.Error("the panic did not go on")
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	if got := lines(t, &buf)[0]["status"]; got != 500.0 {
		t.Fatalf("status %v, want 500", got)
	}
}

func TestHandlerOff(t *testing.T) {
	next := http.NotFoundHandler()
	if h := Handler(next, nil, nil); h == nil {
		t.Fatal("nil handler")
	}
}
