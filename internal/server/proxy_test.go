package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/testapp"
)

// TestShutdownClosesAWebSocketThroughTheProxy deploys the test app,
// holds a WebSocket open to it through the edge proxy, and stops berth:
// the socket must not hold the shutdown past its deadline, and the client
// must see its connection closed.
func TestShutdownClosesAWebSocketThroughTheProxy(t *testing.T) {
	testapp.RequireDocker(t)
	suffix := make([]byte, 4)
	rand.Read(suffix)
	app := "shutdown-ws-" + hex.EncodeToString(suffix)

	const deadline = 2 * time.Second
	cfg := config.Default()
	cfg.Listen, cfg.ProxyListen, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	cfg.ShutdownTimeout = deadline
	cfg.Labels = map[string]string{"berth.test": "1"}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ready := make(chan Listening, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, slog.New(slog.DiscardHandler), Options{Ready: func(l Listening) { ready <- l }})
	}()
	var l Listening
	select {
	case l = <-ready:
	case err := <-done:
		t.Fatalf("berth did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("berth did not start in 30s")
	}
	var runErr error
	stopped := false
	shutdown := func() {
		if !stopped {
			stop()
			runErr, stopped = <-done, true
		}
	}
	t.Cleanup(shutdown)

	registry := l.Registry.String()
	testapp.NewBuilder(t.TempDir()).Build(t, registry, app, "v1")
	// Before the image goes, and with berth stopped so that it does not
	// start them again.
	t.Cleanup(func() {
		shutdown()
		removeApp(app)
	})
	host := app + ".test"
	deployApp(t, registry, app, fmt.Sprintf(`name: %s
services:
  web:
    image: %s/%s:v1
    x-berth:
      route: {host: %s, port: %d}
      health: {path: /healthz, interval: 300ms, timeout: 1s, healthy_threshold: 1, unhealthy_threshold: 2}
`, app, registry, app, host, testapp.Port))

	conn, br := openWebSocket(t, l.Proxy.String(), host)
	echoFrame(t, conn, br, "hello")

	start := time.Now()
	stop()
	select {
	case runErr = <-done:
		stopped = true
		if runErr != nil {
			t.Fatalf("Run: %v", runErr)
		}
	case <-time.After(deadline + 10*time.Second):
		t.Fatalf("berth still runs %v after being stopped, with a %v shutdown deadline and a WebSocket open", deadline+10*time.Second, deadline)
	}
	if took := time.Since(start); took > deadline+5*time.Second {
		t.Fatalf("shutdown took %v, want the %v deadline and a little more", took, deadline)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("reading the WebSocket after shutdown: %v, want EOF", err)
	}
}

// deployApp deploys a Compose file through berth's API and waits until
// the rollout succeeded, failing the test if it does not.
func deployApp(t *testing.T, registry, app, spec string) {
	t.Helper()
	body, _ := json.Marshal(api.DeployRequest{File: "compose.yaml", Spec: spec})
	resp, err := http.Post("http://"+registry+"/api/apps/deploy", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("deploying: %s %s", resp.Status, out)
	}
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get("http://" + registry + "/api/apps/" + app)
		if err != nil {
			t.Fatal(err)
		}
		var st deploy.AppStatus
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		switch {
		case err != nil:
			t.Fatalf("reading the app's status: %v", err)
		case st.Rollout == nil && st.Live > 0:
			return
		case st.Rollout == nil:
			t.Fatalf("the rollout ended without a live revision: %+v", st)
		}
	}
	t.Fatal("the rollout did not end in 3m")
}

// removeApp removes the containers and networks the deploy of app left
// on the Docker host.
func removeApp(app string) {
	filter := "label=berth.app=" + app
	for _, list := range [][]string{{"ps", "-aq"}, {"network", "ls", "-q"}} {
		out, _ := exec.Command("docker", append(list, "--filter", filter)...).Output()
		ids := strings.Fields(string(out))
		if len(ids) == 0 {
			continue
		}
		rm := []string{"rm", "-f"}
		if list[0] == "network" {
			rm = []string{"network", "rm"}
		}
		_ = exec.Command("docker", append(rm, ids...)...).Run()
	}
}

// openWebSocket opens a WebSocket to the test app's /ws on host through
// the proxy at addr.
func openWebSocket(t *testing.T, addr, host string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("WebSocket handshake: %s", resp.Status)
	}
	conn.SetDeadline(time.Time{})
	return conn, br
}

// echoFrame sends msg in a masked text frame and wants it echoed.
func echoFrame(t *testing.T, conn net.Conn, br *bufio.Reader, msg string) {
	t.Helper()
	mask := [4]byte{1, 2, 3, 4}
	frame := append([]byte{0x81, 0x80 | byte(len(msg))}, mask[:]...)
	for i := range len(msg) {
		frame = append(frame, msg[i]^mask[i%4])
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 2)
	if _, err := io.ReadFull(br, head); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, head[1]&0x7f)
	if _, err := io.ReadFull(br, got); err != nil || string(got) != msg {
		t.Fatalf("echo %q, %v; want %q", got, err, msg)
	}
}

func TestReloadSaysTheProxySettingsWaitForARestart(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	p := &parts{cfg: cfg, log: slog.New(slog.DiscardHandler), auth: &switchableAuth{}, tags: newTagRules(nil)}
	next := cfg
	next.Proxy.BodyIdleTimeout = 2 * time.Minute
	later, err := p.reload(next)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(later, []string{"proxy"}) {
		t.Fatalf("restart-only settings %v, want [proxy]", later)
	}
}
