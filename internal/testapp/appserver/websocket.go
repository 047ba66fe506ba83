package appserver

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The WebSocket echo implements just enough of RFC 6455 for tests that
// hold a connection open through a proxy or a deploy: the opening
// handshake, then every data frame (text, binary or continuation) is
// sent back unmasked with the same opcode and FIN bit, pings are
// answered with pongs, and a close is answered with a close. It does
// not validate UTF-8, negotiate extensions or subprotocols, and refuses
// payloads over maxPayload with status 1009.

const (
	wsGUID     = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	maxPayload = 1 << 20

	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA

	closeGoingAway     = 1001
	closeProtocolError = 1002
	closeTooBig        = 1009
)

var errTooBig = errors.New("frame payload too big")

// acceptKey is the Sec-WebSocket-Accept value for a client's key.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if !hasToken(r.Header, "Connection", "upgrade") || !hasToken(r.Header, "Upgrade", "websocket") || key == "" {
		http.Error(w, "expected a WebSocket upgrade", http.StatusBadRequest)
		return
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "unsupported WebSocket version", http.StatusUpgradeRequired)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot upgrade this connection", http.StatusInternalServerError)
		return
	}
	_ = conn.SetDeadline(time.Time{})
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acceptKey(key))
	if err := rw.Flush(); err != nil {
		conn.Close()
		return
	}
	sock := &socket{conn: conn, w: rw.Writer}
	if !s.sockets.add(sock) {
		sock.close(closeGoingAway, "shutting down")
		return
	}
	defer s.sockets.remove(sock)
	sock.echo(rw.Reader)
}

// socket is one upgraded connection; writes are serialised so that a
// shutdown can close it while it echoes.
type socket struct {
	conn net.Conn
	mu   sync.Mutex
	w    *bufio.Writer
}

func (s *socket) echo(r *bufio.Reader) {
	defer s.conn.Close()
	for {
		fin, op, payload, err := readFrame(r)
		switch {
		case errors.Is(err, errTooBig):
			s.close(closeTooBig, "message too big")
			return
		case err != nil:
			return
		}
		switch op {
		case opText, opBinary, opContinuation:
			err = s.write(fin, op, payload)
		case opPing:
			err = s.write(true, opPong, payload)
		case opPong:
		case opClose:
			_ = s.write(true, opClose, payload)
			return
		default:
			s.close(closeProtocolError, "unknown opcode")
			return
		}
		if err != nil {
			return
		}
	}
}

func (s *socket) write(fin bool, op byte, payload []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeFrame(s.w, fin, op, payload); err != nil {
		return err
	}
	return s.w.Flush()
}

// close sends a close frame with code and reason and closes the
// connection.
func (s *socket) close(code uint16, reason string) {
	payload := binary.BigEndian.AppendUint16(nil, code)
	_ = s.write(true, opClose, append(payload, reason...))
	s.conn.Close()
}

// readFrame reads one client frame, which RFC 6455 requires be masked,
// and returns its payload unmasked.
func readFrame(r *bufio.Reader) (fin bool, op byte, payload []byte, err error) {
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return false, 0, nil, err
	}
	fin, op = head[0]&0x80 != 0, head[0]&0x0F
	if head[1]&0x80 == 0 {
		return false, 0, nil, errors.New("client frame is not masked")
	}
	n := uint64(head[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > maxPayload {
		return false, 0, nil, errTooBig
	}
	var mask [4]byte
	if _, err := io.ReadFull(r, mask[:]); err != nil {
		return false, 0, nil, err
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return false, 0, nil, err
	}
	for i := range payload {
		payload[i] ^= mask[i%4]
	}
	return fin, op, payload, nil
}

// writeFrame writes one unmasked server frame.
func writeFrame(w io.Writer, fin bool, op byte, payload []byte) error {
	head := []byte{op & 0x0F, 0}
	if fin {
		head[0] |= 0x80
	}
	switch n := len(payload); {
	case n < 126:
		head[1] = byte(n)
	case n <= 0xFFFF:
		head[1] = 126
		head = binary.BigEndian.AppendUint16(head, uint16(n))
	default:
		head[1] = 127
		head = binary.BigEndian.AppendUint64(head, uint64(n))
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}
