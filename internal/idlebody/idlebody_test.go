package idlebody

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// idle is short so the tests are quick; every bound below is several
// times longer, since the machine may be busy.
const idle = 300 * time.Millisecond

// serve runs h behind Handler on a real HTTP server and returns its address.
func serve(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(Handler(h, idle))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// stall opens a connection, sends the headers of a chunked PUT and a few
// bytes of its body, and then nothing more.
func stall(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_, err = io.WriteString(conn, "PUT /upload HTTP/1.1\r\nHost: "+addr+"\r\nTransfer-Encoding: chunked\r\n"+
		"Content-Type: application/octet-stream\r\n\r\n5\r\nhello\r\n")
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// closedWithin reads conn until the server closes it, and reports
// whether that happened before limit.
func closedWithin(conn net.Conn, limit time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, conn)
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

func TestStalledBodiesAreCut(t *testing.T) {
	limit := 3*idle + 2*time.Second
	t.Run("a handler reading the body gets a timeout and the connection closes", func(t *testing.T) {
		readErr := make(chan error, 1)
		addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
			_, err := io.Copy(io.Discard, r.Body)
			readErr <- err
			if err != nil {
				http.Error(w, "the body stopped", http.StatusRequestTimeout)
			}
		})
		conn := stall(t, addr)
		if !closedWithin(conn, limit) {
			t.Fatalf("the connection is still open %s after its body stopped", limit)
		}
		if err := <-readErr; !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the handler's read returned %v, want a deadline error", err)
		}
	})
	t.Run("a handler answering without reading the body does not hold the connection", func(t *testing.T) {
		addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "refused", http.StatusForbidden)
		})
		conn := stall(t, addr)
		if !closedWithin(conn, limit) {
			t.Fatalf("the connection is still open %s after its body stopped", limit)
		}
	})
	t.Run("thirty stalled connections all close", func(t *testing.T) {
		addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
		})
		conns := make([]net.Conn, 30)
		for i := range conns {
			conns[i] = stall(t, addr)
		}
		deadline := time.Now().Add(limit)
		for i, c := range conns {
			if !closedWithin(c, time.Until(deadline)) {
				t.Fatalf("connection %d is still open %s after its body stopped", i, limit)
			}
		}
	})
}

func TestASlowUploadThatKeepsSendingIsNotCut(t *testing.T) {
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		fmt.Fprint(w, n)
	})
	// One byte every quarter of the idle time, for four times the idle
	// time in all: a whole-body timeout of idle would cut it.
	pr, pw := io.Pipe()
	go func() {
		for range 16 {
			time.Sleep(idle / 4)
			if _, err := pw.Write([]byte("x")); err != nil {
				return
			}
		}
		pw.Close()
	}()
	res, err := http.Post("http://"+addr+"/upload", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(got) != "16" {
		t.Fatalf("slow upload: %d %q, want 200 and 16 bytes read", res.StatusCode, got)
	}
}

func TestAHandlerWorkingLongAfterItsBodyKeepsItsContext(t *testing.T) {
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		select {
		case <-r.Context().Done():
			http.Error(w, "cancelled while working", http.StatusInternalServerError)
		case <-time.After(3 * idle):
			fmt.Fprint(w, "done")
		}
	})
	res, err := http.Post("http://"+addr+"/work", "application/json", strings.NewReader(`{"deploy":"shop"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(got) != "done" {
		t.Fatalf("long handler: %d %q", res.StatusCode, got)
	}
}

func TestAConnectionIsKeptAliveAfterABody(t *testing.T) {
	addr := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	var reused atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused.Store(i.Reused) }}
	for i, method := range []string{http.MethodPost, http.MethodGet} {
		if i > 0 {
			time.Sleep(3 * idle) // longer than the body's deadline was
		}
		req, _ := http.NewRequest(method, "http://"+addr+"/", strings.NewReader(strconv.Itoa(i)))
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	if !reused.Load() {
		t.Fatal("the second request did not reuse the connection")
	}
}

func TestAZeroIdleTimeLeavesTheHandlerAlone(t *testing.T) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if got := Handler(h, 0); fmt.Sprintf("%p", got) != fmt.Sprintf("%p", h) {
		t.Fatal("Handler(h, 0) wrapped h")
	}
}

// BenchmarkUpload sends 8 MiB bodies through a real server, with and
// without the idle deadline, to show what setting it on each read costs.
func BenchmarkUpload(b *testing.B) {
	body := strings.Repeat("x", 8<<20)
	sink := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, bufio.NewReaderSize(r.Body, 32<<10))
	})
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"plain", sink}, {"idle deadline", Handler(sink, time.Minute)}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				res, err := http.Post(srv.URL, "application/octet-stream", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
			}
		})
	}
}
