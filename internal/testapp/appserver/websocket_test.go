package appserver

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// dialWebSocket performs the opening handshake against addr.
func dialWebSocket(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	key := "dGhlIHNhbXBsZSBub25jZQ=="
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", addr, key)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake answered %s", resp.Status)
	}
	// The example key and accept value from RFC 6455 section 1.3.
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("Sec-WebSocket-Accept = %q", got)
	}
	return conn, r
}

// writeClientFrame writes a masked frame, as a client must.
func writeClientFrame(t testing.TB, w io.Writer, op byte, payload []byte) {
	t.Helper()
	mask := [4]byte{1, 2, 3, 4}
	head := []byte{0x80 | op, 0x80}
	switch {
	case len(payload) < 126:
		head[1] |= byte(len(payload))
	default:
		head[1] |= 126
		head = binary.BigEndian.AppendUint16(head, uint16(len(payload)))
	}
	head = append(head, mask[:]...)
	masked := make([]byte, len(payload))
	for i, b := range payload {
		masked[i] = b ^ mask[i%4]
	}
	if _, err := w.Write(append(head, masked...)); err != nil {
		t.Fatal(err)
	}
}

// readServerFrame reads one unmasked frame.
func readServerFrame(t testing.TB, r *bufio.Reader) (byte, []byte) {
	t.Helper()
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		t.Fatal(err)
	}
	if head[1]&0x80 != 0 {
		t.Fatal("server frame is masked")
	}
	n := int(head[1] & 0x7F)
	if n == 126 {
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			t.Fatal(err)
		}
		n = int(binary.BigEndian.Uint16(b[:]))
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatal(err)
	}
	return head[0] & 0x0F, payload
}

func TestWebSocket(t *testing.T) {
	for _, tc := range []struct {
		name        string
		op          byte
		payload     string
		wantOp      byte
		wantPayload string
	}{
		{"a text frame is echoed", opText, "hello", opText, "hello"},
		{"a binary frame is echoed", opBinary, "\x00\x01\x02", opBinary, "\x00\x01\x02"},
		{"a frame with a 16-bit length is echoed", opText, strings.Repeat("x", 300), opText, strings.Repeat("x", 300)},
		{"a ping is answered with a pong", opPing, "p", opPong, "p"},
		{"a close is answered with a close", opClose, "\x03\xe8", opClose, "\x03\xe8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, nil)
			conn, r := dialWebSocket(t, strings.TrimPrefix(srv.URL, "http://"))
			writeClientFrame(t, conn, tc.op, []byte(tc.payload))
			op, payload := readServerFrame(t, r)
			if op != tc.wantOp || string(payload) != tc.wantPayload {
				t.Fatalf("got opcode %#x %q, want %#x %q", op, payload, tc.wantOp, tc.wantPayload)
			}
		})
	}
}
