package proxy

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestStreamingResponsesPassAtOnce(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
	}{
		{"a chunked stream", nil},
		{"server-sent events", map[string]string{"Content-Type": "text/event-stream"}},
		{"a body of known length sent in parts", map[string]string{"Content-Length": "27"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, front := newProxy(t, Options{})
			more := make(chan struct{})
			stream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				io.WriteString(w, "data: first\n\n")
				http.NewResponseController(w).Flush()
				select {
				case <-more:
					io.WriteString(w, "data: second\n\n")
				case <-r.Context().Done():
				}
			}))
			t.Cleanup(stream.Close)
			mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("stream", stream)}}}})

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp, err := front.Client().Do(request(t, front, http.MethodGet, "shop.local", "/").WithContext(ctx))
			if err != nil {
				t.Fatalf("no response header: %v", err)
			}
			defer resp.Body.Close()
			lines := bufio.NewReader(resp.Body)
			got := make(chan string, 1)
			go func() {
				line, _ := lines.ReadString('\n')
				got <- line
			}()
			select {
			case line := <-got:
				if line != "data: first\n" {
					t.Fatalf("first line %q", line)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("the first part did not arrive before the response ended")
			}
			close(more)
			rest, err := io.ReadAll(lines)
			if err != nil || string(rest) != "\ndata: second\n\n" {
				t.Fatalf("rest %q, %v", rest, err)
			}
		})
	}
}

// websocketAccept is the Sec-WebSocket-Accept answer to key (RFC 6455).
func websocketAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// startEchoWebSocket starts a backend that completes a WebSocket
// handshake and echoes small text frames, unmasked, until the client
// closes.
func startEchoWebSocket(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "websocket only", http.StatusBadRequest)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			websocketAccept(r.Header.Get("Sec-WebSocket-Key")))
		rw.Flush()
		for {
			payload, err := readFrame(rw.Reader)
			if err != nil {
				return
			}
			rw.Write(append([]byte{0x81, byte(len(payload))}, payload...))
			rw.Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// readFrame reads one small frame and returns its payload, unmasked.
func readFrame(r *bufio.Reader) ([]byte, error) {
	head := make([]byte, 2)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	n, masked := int(head[1]&0x7f), head[1]&0x80 != 0
	if n > 125 {
		return nil, fmt.Errorf("frame of %d bytes too long for the test", n)
	}
	var mask [4]byte
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return nil, err
		}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return payload, nil
}

func TestWebSocketsPassThrough(t *testing.T) {
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "chat.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("ws", startEchoWebSocket(t))}}}})

	conn, br := dialWebSocket(t, front, "chat.local")
	for _, msg := range []string{"hello", "again"} {
		echo(t, conn, br, msg)
	}
	if n := p.Stats("chat.local", "blue", 0, time.Minute).Requests; n != 1 {
		t.Fatalf("stats counted %d requests while the socket is open, want 1", n)
	}
}

// dialWebSocket opens a WebSocket to host through the proxy.
func dialWebSocket(t testing.TB, front *httptest.Server, host string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	fmt.Fprintf(conn, "GET /chat HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", host, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != websocketAccept(key) {
		t.Fatalf("handshake got %s %v", resp.Status, resp.Header)
	}
	return conn, br
}

// echo sends msg in a masked text frame and wants it back.
func echo(t testing.TB, conn net.Conn, br *bufio.Reader, msg string) {
	t.Helper()
	mask := [4]byte{1, 2, 3, 4}
	frame := append([]byte{0x81, 0x80 | byte(len(msg))}, mask[:]...)
	for i := range len(msg) {
		frame = append(frame, msg[i]^mask[i%4])
	}
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	got, err := readFrame(br)
	if err != nil || string(got) != msg {
		t.Fatalf("echo %q, %v; want %q", got, err, msg)
	}
}
