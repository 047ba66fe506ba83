package proxy

import (
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestWeightsSplitTraffic(t *testing.T) {
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{
		{Name: "stable", Weight: 90, Backends: []Backend{backendOf("s1", startBackend(t, "stable")), backendOf("s2", startBackend(t, "stable"))}},
		{Name: "canary", Weight: 10, Backends: []Backend{backendOf("c1", startBackend(t, "canary"))}},
	}})
	const total, workers = 10000, 8
	client := keepAliveClient(t, workers)
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range total / workers {
				_, body := send(t, client, request(t, front, http.MethodGet, "shop.local", "/"))
				mu.Lock()
				counts[body]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if counts["stable"]+counts["canary"] != total {
		t.Fatalf("answers %v, want %d from stable and canary", counts, total)
	}
	if share := float64(counts["canary"]) / total; math.Abs(share-0.10) > 0.02 {
		t.Fatalf("canary share %.3f, want 0.10 ± 0.02", share)
	}
}

func TestWeightedSetFollowsTheWeights(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
	}{
		{"fifty to fifty splits evenly", []int{50, 50}},
		{"one to ninety-nine sends almost all to the second", []int{1, 99}},
		{"three sets split in proportion", []int{20, 30, 50}},
		{"weights need not add up to 100", []int{3, 1}},
		{"a set without weight gets nothing", []int{0, 40, 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Route
			r.Host = "shop.local"
			sum := 0
			for i, w := range tt.weights {
				r.Sets = append(r.Sets, Set{Name: string(rune('a' + i)), Weight: w})
				sum += w
			}
			p := New(Options{}, nil)
			defer p.Close()
			mustSet(t, p, r)
			rt := p.table.Load().hosts["shop.local"].route
			const draws = 100000
			counts := map[string]int{}
			for range draws {
				counts[rt.weightedSet().name]++
			}
			for i, w := range tt.weights {
				share := float64(counts[string(rune('a'+i))]) / draws
				if want := float64(w) / float64(sum); math.Abs(share-want) > 0.01 {
					t.Errorf("set %d share %.3f, want %.3f ± 0.01", i, share, want)
				}
			}
		})
	}
}

func TestStickyCookieKeepsAClientOnItsSet(t *testing.T) {
	p, front := newProxy(t, Options{})
	blue, green := startBackend(t, "blue"), startBackend(t, "green")
	route := func(blueWeight, greenWeight int) Route {
		return Route{Host: "shop.local", Sticky: true, Sets: []Set{
			{Name: "blue", Weight: blueWeight, Backends: []Backend{backendOf("blue", blue)}},
			{Name: "green", Weight: greenWeight, Backends: []Backend{backendOf("green", green)}},
		}}
	}
	mustSet(t, p, route(50, 50))

	resp, first := send(t, front.Client(), request(t, front, http.MethodGet, "shop.local", "/"))
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("first response set cookies %v, want one", cookies)
	}
	c := cookies[0]
	if !strings.HasPrefix(c.Name, "berth_") || !strings.HasPrefix(c.Value, first+".0.") || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v, want berth_… = %s.0.<signature>, Path=/, HttpOnly, SameSite=Lax", c, first)
	}

	t.Run("a client with the cookie stays on its set", func(t *testing.T) {
		for range 50 {
			req := request(t, front, http.MethodGet, "shop.local", "/")
			req.AddCookie(c)
			resp, body := send(t, front.Client(), req)
			if body != first {
				t.Fatalf("answered by %s, want %s", body, first)
			}
			if len(resp.Cookies()) != 0 {
				t.Fatalf("cookie set again: %v", resp.Cookies())
			}
		}
	})
	t.Run("a client whose set lost its weight moves and gets a new cookie", func(t *testing.T) {
		other := map[string]string{"blue": "green", "green": "blue"}[first]
		if first == "blue" {
			mustSet(t, p, route(0, 100))
		} else {
			mustSet(t, p, route(100, 0))
		}
		req := request(t, front, http.MethodGet, "shop.local", "/")
		req.AddCookie(c)
		resp, body := send(t, front.Client(), req)
		if body != other {
			t.Fatalf("answered by %s, want %s", body, other)
		}
		if cs := resp.Cookies(); len(cs) != 1 || !strings.HasPrefix(cs[0].Value, other+".") {
			t.Fatalf("cookies %v, want one naming %s", cs, other)
		}
	})
}

func TestPreviews(t *testing.T) {
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{
		Host: "shop.local",
		Sets: []Set{
			{Name: "blue", Weight: 100, Backends: []Backend{backendOf("blue", startBackend(t, "blue"))}},
			{Name: "green", Weight: 0, Backends: []Backend{backendOf("green", startBackend(t, "green"))}},
		},
		Previews: map[string]string{"Shop-Preview.local": "green"},
	})
	tests := []struct {
		name, host, header string
		status             int
		body               string
	}{
		{"the route's host reaches the weighted set", "shop.local", "", http.StatusOK, "blue"},
		{"a preview host reaches its set", "shop-preview.local:80", "", http.StatusOK, "green"},
		{"the preview header reaches the set it names", "shop.local", "green", http.StatusOK, "green"},
		{"the preview header may name the weighted set", "shop.local", "blue", http.StatusOK, "blue"},
		{"the preview header naming no set gets 404", "shop.local", "red", http.StatusNotFound, `no set "red"`},
		{"a preview host ignores the header", "shop-preview.local", "blue", http.StatusOK, "green"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(t, front, http.MethodGet, tt.host, "/")
			if tt.header != "" {
				req.Header.Set(PreviewHeader, tt.header)
			}
			resp, body := send(t, front.Client(), req)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.body) {
				t.Fatalf("got %d %q, want %d with %q", resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
}
