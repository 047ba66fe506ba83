package proxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// bodyIdle is short so the tests are quick; the bounds below are several
// times longer, since the machine may be busy.
const bodyIdle = 200 * time.Millisecond

// closedWithin reads conn until the proxy closes it and reports whether
// that happened within limit, with what was read.
func closedWithin(conn net.Conn, limit time.Duration) (bool, string) {
	conn.SetReadDeadline(time.Now().Add(limit))
	got, err := io.ReadAll(conn)
	return !errors.Is(err, os.ErrDeadlineExceeded), string(got)
}

func TestStalledBodiesAreCut(t *testing.T) {
	limit := 3*bodyIdle + 2*time.Second
	tests := []struct {
		name   string
		host   string
		header string
		status string
	}{
		{"a body of known length stalled on its way to a backend", "shop.local", "Content-Length: 100", "408"},
		{"a chunked body stalled on its way to a backend", "shop.local", "Transfer-Encoding: chunked", "408"},
		{"a body sent to a host without route", "nope.local", "Content-Length: 100", "404"},
		{"a chunked body sent to a host without route", "nope.local", "Transfer-Encoding: chunked", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, front := newProxy(t, Options{BodyIdleTimeout: bodyIdle})
			srv, _ := startReadingBackend(t)
			mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Revision: 1, Weight: 100, Backends: []Backend{backendOf("blue", srv)}}}})
			first := "hello"
			if strings.HasPrefix(tt.header, "Transfer") {
				first = "64\r\nhello"
			}
			const stalled = 10
			conns := make([]net.Conn, stalled)
			for i := range conns {
				conns[i] = rawRequest(t, front, "POST /upload HTTP/1.1\r\nHost: "+tt.host+"\r\n"+tt.header+"\r\n\r\n"+first)
			}
			for i, conn := range conns {
				closed, got := closedWithin(conn, limit)
				if !closed {
					t.Fatalf("connection %d is still open %s after its body stalled", i, limit)
				}
				if !strings.HasPrefix(got, "HTTP/1.1 "+tt.status+" ") {
					t.Fatalf("connection %d got %q, want %s", i, got, tt.status)
				}
			}
			eventually(t, "the requests to end", func() bool { return idleBackend(p, "blue") })
			if st := p.Stats("shop.local", "blue", 1, time.Minute); st.Requests != 0 {
				t.Fatalf("the stalled requests were counted: %+v", st)
			}
		})
	}
}

func TestASlowSteadyBodyIsNeverCut(t *testing.T) {
	p, front := newProxy(t, Options{BodyIdleTimeout: bodyIdle})
	srv, _ := startReadingBackend(t)
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("blue", srv)}}}})
	// The body takes ten times the idle timeout, in pieces sent at half of
	// it.
	const pieces = 20
	pr, pw := io.Pipe()
	go func() {
		for range pieces {
			time.Sleep(bodyIdle / 2)
			io.WriteString(pw, "piece")
		}
		pw.Close()
	}()
	req := request(t, front, http.MethodPost, "shop.local", "/upload")
	req.Body = pr
	resp, body := send(t, front.Client(), req)
	if want := strings.Repeat("x", pieces*len("piece")); resp.StatusCode != http.StatusOK || body != want {
		t.Fatalf("%d %q, want 200 with the whole body's length", resp.StatusCode, body)
	}
}

func TestAConnectionStaysUsableAfterABody(t *testing.T) {
	// Once a body is read, the server watches the connection for the
	// client going away: no deadline may cut that watch, or a long
	// answer would be cancelled.
	p, front := newProxy(t, Options{BodyIdleTimeout: bodyIdle})
	srv, _ := startReadingBackend(t)
	slow := startBackend(t, "slow")
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("blue", srv)}}}})
	mustSet(t, p, Route{Host: "slow.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("slow", slow)}}}})
	conn := rawRequest(t, front, "POST /upload HTTP/1.1\r\nHost: shop.local\r\nContent-Length: 5\r\n\r\nhello")
	br := bufio.NewReader(conn)
	ask := func(host, path string) (int, string) {
		t.Helper()
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s%s: %v", host, path, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s%s: %v", host, path, err)
		}
		return resp.StatusCode, string(body)
	}
	if code, body := ask("shop.local", "/upload"); code != http.StatusOK || body != "xxxxx" {
		t.Fatalf("the upload got %d %q", code, body)
	}
	fmt.Fprintf(conn, "GET /?sleep=%s HTTP/1.1\r\nHost: slow.local\r\n\r\n", 4*bodyIdle)
	if code, body := ask("slow.local", "/"); code != http.StatusOK || body != "slow" {
		t.Fatalf("a slow answer on the same connection got %d %q", code, body)
	}
}
