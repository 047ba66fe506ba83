package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
)

// bodyIdle is the body idle timeout of these tests, the least Validate
// takes; bounds are several times longer, since the machine may be busy.
const bodyIdle = time.Second

func shortBodyTimeout(c *config.Config) { c.Server.BodyIdleTimeout = bodyIdle }

// newUpload starts a blob upload and returns its location.
func newUpload(t testing.TB, url string) string {
	t.Helper()
	res, err := http.Post(url+"/v2/app/blobs/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("starting an upload: %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// stallRequest opens a connection to addr, sends the headers of a chunked
// request and a few bytes of its body, then nothing more.
func stallRequest(t testing.TB, addr, method, path, contentType string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := method + " " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nTransfer-Encoding: chunked\r\nContent-Type: " +
		contentType + "\r\n\r\n5\r\nhello\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestStalledRequestBodiesLoseTheirConnections(t *testing.T) {
	url, _ := start(t, t.TempDir(), shortBodyTimeout)
	addr := strings.TrimPrefix(url, "http://")
	var conns []net.Conn
	for range 30 {
		conns = append(conns, stallRequest(t, addr, http.MethodPatch, newUpload(t, url), "application/octet-stream"))
	}
	// The guard answers these without reading the body.
	for range 3 {
		conns = append(conns, stallRequest(t, addr, http.MethodPost, "/api/registry/gc", "text/plain"))
	}
	limit := time.Now().Add(3*bodyIdle + 2*time.Second)
	for i, c := range conns {
		_ = c.SetReadDeadline(limit)
		if _, err := io.Copy(io.Discard, c); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("connection %d of %d is still open %s after its body stopped", i, len(conns), 3*bodyIdle+2*time.Second)
		}
	}
}

func TestASlowUploadThatKeepsSendingCompletes(t *testing.T) {
	url, _ := start(t, t.TempDir(), shortBodyTimeout)
	loc := newUpload(t, url)
	// A byte every quarter of the timeout, for four times the timeout.
	pr, pw := io.Pipe()
	go func() {
		for range 16 {
			time.Sleep(bodyIdle / 4)
			if _, err := pw.Write([]byte("x")); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPatch, url+loc, pr)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted || res.Header.Get("Range") != "0-15" {
		t.Fatalf("slow PATCH answered %d with Range %q, want 202 and 0-15", res.StatusCode, res.Header.Get("Range"))
	}
}
