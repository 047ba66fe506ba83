package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestShutdownClosesUpgradedConnectionsAtTheDeadline(t *testing.T) {
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "chat.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("ws", startEchoWebSocket(t))}}}})
	conn, br := dialWebSocket(t, front, "chat.local")
	echo(t, conn, br, "hello")

	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	if err := front.Config.Shutdown(ctx); err != nil {
		t.Fatalf("http.Server.Shutdown: %v, want it done, the socket being upgraded", err)
	}
	err := p.Shutdown(ctx)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the deadline's error for a socket it closed", err)
	}
	if took < deadline || took > deadline+2*time.Second {
		t.Fatalf("Shutdown took %v, want about the %v deadline", took, deadline)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("reading the socket after Shutdown: %v, want EOF", err)
	}
	eventually(t, "the request to end", func() bool { return idleBackend(p, "ws") })
}

func TestShutdownWaitsForUpgradedConnectionsToEnd(t *testing.T) {
	p, front := newProxy(t, Options{})
	mustSet(t, p, Route{Host: "chat.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{backendOf("ws", startEchoWebSocket(t))}}}})
	conn, br := dialWebSocket(t, front, "chat.local")
	echo(t, conn, br, "hello")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Shutdown(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a socket open", err)
	case <-time.After(100 * time.Millisecond):
	}
	echo(t, conn, br, "still open")
	conn.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Shutdown: %v, want nil once the socket ended by itself", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown still waits after the socket closed")
	}

	t.Run("an upgrade after Shutdown is refused", func(t *testing.T) {
		// The server may still serve requests on connections it has: one
		// that upgrades then must not outlive the shutdown.
		conn := rawRequest(t, front, "GET /chat HTTP/1.1\r\nHost: chat.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", resp.StatusCode)
		}
		if st := p.Stats("chat.local", "blue", 0, time.Minute); st.Errors != 0 {
			t.Fatalf("the refused upgrade counted as an error of the set: %+v", st)
		}
	})
}
