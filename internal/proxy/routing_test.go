package proxy

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestRouting(t *testing.T) {
	p, front := newProxy(t, Options{})
	shop, blog := startBackend(t, "shop"), startBackend(t, "blog")
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("shop", shop)}}}})
	mustSet(t, p, Route{Host: "Blog.Local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("blog", blog)}}}})
	mustSet(t, p, Route{Host: "empty.local", Sets: []Set{{Name: "blue", Weight: 100}}})
	mustSet(t, p, Route{Host: "idle.local", Sets: []Set{{Name: "blue", Weight: 0, Backends: []Backend{{ID: "idle", Addr: shop.Listener.Addr().String()}}}}})

	tests := []struct {
		name   string
		host   string
		status int
		body   string
	}{
		{"a host reaches its route's backend", "shop.local", http.StatusOK, "shop"},
		{"another host reaches its own", "blog.local", http.StatusOK, "blog"},
		{"hosts compare case-insensitively and without port", "SHOP.Local:8080", http.StatusOK, "shop"},
		{"an unknown host gets 404 naming it", "nope.local", http.StatusNotFound, `"nope.local"`},
		{"a route without backends gets 503", "empty.local", http.StatusServiceUnavailable, "no healthy backend"},
		{"a route without weight gets 503", "idle.local", http.StatusServiceUnavailable, "no healthy backend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, front.Client(), request(t, front, http.MethodGet, tt.host, "/"))
			if status := resp.StatusCode; status != tt.status || !strings.Contains(body, tt.body) {
				t.Fatalf("got %d %q, want %d with %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if tt.status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "1" {
				t.Fatalf("Retry-After %q, want 1", resp.Header.Get("Retry-After"))
			}
		})
	}
}

func TestRemoveForgetsTheHost(t *testing.T) {
	p, front := newProxy(t, Options{})
	shop := startBackend(t, "shop")
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("shop", shop)}}}})
	p.Remove("SHOP.local")
	if status, _ := get(t, front, "shop.local", "/"); status != http.StatusNotFound {
		t.Fatalf("status %d after Remove, want 404", status)
	}
	if _, known := p.Healthy("shop"); known {
		t.Fatal("an idle removed backend is still known")
	}
}

func TestSetRejects(t *testing.T) {
	ok := []Backend{{ID: "a", Addr: "127.0.0.1:1"}}
	tests := []struct {
		name  string
		route Route
		want  error
	}{
		{"a route without host", Route{Sets: []Set{{Name: "blue", Weight: 100, Backends: ok}}}, ErrInvalidRoute},
		{"a weight above 100", Route{Host: "x", Sets: []Set{{Name: "blue", Weight: 101, Backends: ok}}}, ErrInvalidRoute},
		{"a negative weight", Route{Host: "x", Sets: []Set{{Name: "blue", Weight: -1, Backends: ok}}}, ErrInvalidRoute},
		{"two sets of one name", Route{Host: "x", Sets: []Set{{Name: "blue"}, {Name: "blue"}}}, ErrInvalidRoute},
		{"a set name unfit for a cookie", Route{Host: "x", Sets: []Set{{Name: "blue green"}}}, ErrInvalidRoute},
		{"a backend without ID", Route{Host: "x", Sets: []Set{{Name: "blue", Backends: []Backend{{Addr: "127.0.0.1:1"}}}}}, ErrInvalidRoute},
		{"a backend without port", Route{Host: "x", Sets: []Set{{Name: "blue", Backends: []Backend{{ID: "a", Addr: "127.0.0.1"}}}}}, ErrInvalidRoute},
		{"a backend listed twice", Route{Host: "x", Sets: []Set{{Name: "blue", Backends: ok}, {Name: "green", Backends: ok}}}, ErrInvalidRoute},
		{"a preview of no set", Route{Host: "x", Sets: []Set{{Name: "blue"}}, Previews: map[string]string{"y": "green"}}, ErrInvalidRoute},
		{"a negative health interval", Route{Host: "x", Health: HealthCheck{Path: "/up", Interval: -1}}, ErrInvalidRoute},
		{"a health path without slash", Route{Host: "x", Health: HealthCheck{Path: "up"}}, ErrInvalidRoute},
		{"a preview host served by another route", Route{Host: "x", Sets: []Set{{Name: "blue"}}, Previews: map[string]string{"taken.local": "blue"}}, ErrHostTaken},
		{"a host previewed by another route", Route{Host: "preview.taken.local"}, ErrHostTaken},
		{"a backend ID at another address", Route{Host: "x", Sets: []Set{{Name: "blue", Backends: []Backend{{ID: "taken", Addr: "127.0.0.1:2"}}}}}, ErrInvalidRoute},
	}
	p := New(Options{}, nil)
	defer p.Close()
	mustSet(t, p, Route{
		Host:     "taken.local",
		Sets:     []Set{{Name: "blue", Backends: []Backend{{ID: "taken", Addr: "127.0.0.1:1"}}}},
		Previews: map[string]string{"preview.taken.local": "blue"},
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.Set(tt.route); !errors.Is(err, tt.want) {
				t.Fatalf("Set: %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("anything after Close", func(t *testing.T) {
		p.Close()
		if err := p.Set(Route{Host: "late.local"}); !errors.Is(err, ErrClosed) {
			t.Fatalf("Set: %v, want ErrClosed", err)
		}
	})
}
