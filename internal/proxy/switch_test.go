package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSwitchingUnderLoadFailsNoRequest deploys a new pair of backends 100
// times, as blue-green does (start, switch, drain, stop the old), while 16
// clients keep sending requests.
func TestSwitchingUnderLoadFailsNoRequest(t *testing.T) {
	p, front := newProxy(t, Options{})
	client := keepAliveClient(t, 16)

	// version is raised before each switch, so a response from version n
	// came to a request that started at version n+1 at the latest.
	var version atomic.Int64
	deploy := func(v int64) (Route, []*httptest.Server) {
		var srvs []*httptest.Server
		var backends []Backend
		for _, side := range []string{"a", "b"} {
			name := fmt.Sprintf("%d-%s", v, side)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "%d", v)
			}))
			srvs = append(srvs, srv)
			backends = append(backends, Backend{ID: name, Addr: srv.Listener.Addr().String()})
		}
		set := []string{"blue", "green"}[v%2]
		return Route{Host: "shop.local", Sets: []Set{{Name: set, Weight: 100, Backends: backends}}}, srvs
	}
	route, live := deploy(0)
	mustSet(t, p, route)

	var sent, failed, stray atomic.Int64
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for range 16 {
		clients.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				before := version.Load()
				req, _ := http.NewRequest(http.MethodGet, front.URL, nil)
				req.Host = "shop.local"
				resp, err := client.Do(req)
				sent.Add(1)
				if err != nil {
					failed.Add(1)
					t.Errorf("request failed: %v", err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				after := version.Load()
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
					t.Errorf("request got %d %q, %v", resp.StatusCode, body, err)
					continue
				}
				var v int64
				if _, err := fmt.Sscan(string(body), &v); err != nil || v < before-1 || v > after {
					stray.Add(1)
					t.Errorf("answered by version %q during versions %d to %d", body, before, after)
				}
			}
		})
	}

	for v := int64(1); v <= 100; v++ {
		route, next := deploy(v)
		version.Store(v)
		mustSet(t, p, route)
		old := live
		live = next
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for _, side := range []string{"a", "b"} {
			if err := p.Drain(ctx, fmt.Sprintf("%d-%s", v-1, side)); err != nil {
				t.Errorf("draining version %d: %v", v-1, err)
			}
		}
		cancel()
		for _, srv := range old {
			srv.Close()
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	clients.Wait()
	for _, srv := range live {
		srv.Close()
	}
	t.Logf("%d requests, %d failed, %d from a backend out of the table", sent.Load(), failed.Load(), stray.Load())
	if sent.Load() < 1000 {
		t.Fatalf("only %d requests sent during the switches", sent.Load())
	}
}
