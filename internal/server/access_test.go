package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/accesslog"
	"github.com/berth-dev/berth/internal/config"
)

func TestAccessLogAccountAndClient(t *testing.T) {
	var buf bytes.Buffer
	var trusted trustedProxies
	cfg := config.Default()
	cfg.Auth.TrustedProxies = []string{"10.0.0.0/8"}
	trusted.set(cfg)
	authz := &switchableAuth{}
	h := accesslog.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := authz.Authorize(r, nil); err != nil {
			t.Error(err)
		}
	}), slog.New(slog.NewTextHandler(&buf, nil)), trusted.client)

	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.1:1000", "client=192.0.2.1 "},   // its X-Forwarded-For is not believed
		{"10.0.0.5:1000", "client=198.51.100.7 "}, // a trusted proxy's is
	} {
		buf.Reset()
		r := httptest.NewRequest(http.MethodGet, "/v2/", nil)
		r.RemoteAddr = tt.remote
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got := buf.String(); !strings.Contains(got, tt.want) || !strings.Contains(got, "account=anonymous") {
			t.Errorf("from %s: line %q, want %q and account=anonymous", tt.remote, got, tt.want)
		}
	}
}
