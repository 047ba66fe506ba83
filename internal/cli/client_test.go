package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestEveryStateChangingCallSaysItIsJSON(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Method+" "+r.URL.Path] = r.Header.Get("Content-Type")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}\n"))
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	c := &apiClient{base: base, http: srv.Client()}
	ctx := context.Background()
	var out map[string]any
	for _, call := range []struct{ method, path string }{
		{http.MethodPost, "/api/apps/shop/promote"},
		{http.MethodPost, "/api/registry/gc"},
		{http.MethodDelete, "/api/apps/shop"},
		{http.MethodGet, "/api/apps"},
	} {
		if err := c.do(ctx, call.method, call.path, nil, &out); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.send(ctx, http.MethodPost, "/api/apps/deploy", nil, map[string]string{"file": "compose.yaml"}, &out); err != nil {
		t.Fatal(err)
	}
	for call, want := range map[string]string{
		"POST /api/apps/shop/promote": "application/json",
		"POST /api/registry/gc":       "application/json",
		"DELETE /api/apps/shop":       "application/json",
		"POST /api/apps/deploy":       "application/json",
		"GET /api/apps":               "",
	} {
		if got[call] != want {
			t.Errorf("%s sent Content-Type %q, want %q", call, got[call], want)
		}
	}
}

func TestAServerErrorShowsItsRequestID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error": "internal error", "requestId": "0123456789abcdef"}`))
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	c := &apiClient{base: base, http: srv.Client()}
	var out map[string]any
	err := c.do(context.Background(), http.MethodGet, "/api/apps", nil, &out)
	if err == nil || !strings.Contains(err.Error(), "internal error") || !strings.Contains(err.Error(), "0123456789abcdef") {
		t.Fatalf("error %v, want it to carry the request id", err)
	}
}

func TestA401SaysHowToLogIn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error": "authentication required"}`))
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	for _, tt := range []struct{ user, want string }{
		{"", "401 Unauthorized: authentication required; this berth needs an account: pass --user NAME (or set BERTH_USER) with its password, or a robot's token, in BERTH_PASSWORD"},
		{"alice", "401 Unauthorized: authentication required; check the password of alice in BERTH_PASSWORD (a robot's is its token)"},
	} {
		c := &apiClient{base: base, http: srv.Client(), user: tt.user, password: "x"}
		err := c.do(context.Background(), http.MethodGet, "/api/apps", nil, nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("as %q: error\n got %v\nwant %s", tt.user, err, tt.want)
		}
	}
}
