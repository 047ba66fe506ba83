package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzBackendResponse feeds arbitrary bytes as a backend's answer to the
// direct path's response reading: it must return an error or a response
// whose hop-by-hop headers, named or listed in Connection, are all gone
// once removed, and never panic.
func FuzzBackendResponse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: X-Private, close\r\nX-Private: 1\r\nKeep-Alive: timeout=5\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.0 204 No Content\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		req := httptest.NewRequest(method, "http://shop.local/", nil)
		rec := httptest.NewRecorder()
		resp, err := readResponse(bufio.NewReader(bytes.NewReader(data)), rec, req)
		if err != nil {
			return
		}
		if resp.StatusCode < 200 || resp.StatusCode > 599 {
			t.Fatalf("final status %d", resp.StatusCode)
		}
		listed := resp.Header["Connection"]
		removeHopHeaders(resp.Header)
		for k := range resp.Header {
			if hopHeader(k, nil) || (len(listed) > 0 && httpHasToken(listed, k)) {
				t.Fatalf("hop-by-hop header %q left in %v", k, resp.Header)
			}
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
}
