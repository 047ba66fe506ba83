package proxy

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestForwardedHeaders(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{
			"host":  r.Host,
			"for":   r.Header.Get("X-Forwarded-For"),
			"proto": r.Header.Get("X-Forwarded-Proto"),
			"fhost": r.Header.Get("X-Forwarded-Host"),
			"conn":  r.Header.Get("X-Hop"),
		})
	}))
	t.Cleanup(echo.Close)
	tests := []struct {
		name  string
		trust bool
		want  map[string]string
	}{
		{"a client's forwarded headers are replaced", false, map[string]string{
			"host": "shop.local", "for": "127.0.0.1", "proto": "http", "fhost": "shop.local", "conn": "",
		}},
		{"trusted forwarded headers are extended", true, map[string]string{
			"host": "shop.local", "for": "203.0.113.9, 127.0.0.1", "proto": "https", "fhost": "shop.example", "conn": "",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, front := newProxy(t, Options{TrustForwardedHeaders: tt.trust})
			mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("echo", echo)}}}})
			req := request(t, front, http.MethodGet, "shop.local", "/")
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-Host", "shop.example")
			req.Header.Set("Connection", "X-Hop")
			req.Header.Set("X-Hop", "hop-by-hop")
			_, body := send(t, front.Client(), req)
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
