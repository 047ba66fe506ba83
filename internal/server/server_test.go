package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
)

// start runs the server on a random port and returns its base URL and a
// function that stops it and returns Run's error. change, if given,
// adjusts the default configuration first.
func start(t *testing.T, dir string, change ...func(*config.Config)) (string, func() error) {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.ProxyListen = "127.0.0.1:0"
	cfg.DataDir = dir
	for _, c := range change {
		c(&cfg)
	}
	return startWith(t, cfg, Options{})
}

// startWith runs the server with cfg and opts, whose Ready it sets, and
// returns as start does.
func startWith(t *testing.T, cfg config.Config, opts Options) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	opts.Ready = func(l Listening) { addr <- l.Registry }
	go func() {
		done <- Run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	}()
	select {
	case a := <-addr:
		stopped := false
		stop := func() error {
			cancel()
			if stopped {
				return nil
			}
			stopped = true
			return <-done
		}
		t.Cleanup(func() { _ = stop() })
		return "http://" + a.String(), stop
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("server did not start in 10s")
	}
	return "", nil
}

func TestServesTheRegistryAndNothingElse(t *testing.T) {
	url, _ := start(t, t.TempDir())
	res, err := http.Get(url + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Docker-Distribution-API-Version") != "registry/2.0" {
		t.Fatalf("/v2/: %d %v", res.StatusCode, res.Header)
	}
	res, err = http.Get(url + "/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("/etc/passwd: %d", res.StatusCode)
	}
}

func TestShutdownFinishesARequestInFlight(t *testing.T) {
	url, stop := start(t, t.TempDir())
	res, err := http.Post(url+"/v2/app/blobs/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")

	// A chunk whose body arrives slowly is in flight when shutdown starts.
	// With Expect: 100-continue the client sends the body only once the
	// handler reads it, so the first Write below returns only when the
	// server is handling the request.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPatch, url+loc, pr)
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	result := make(chan *http.Response, 1)
	go func() {
		res, err := client.Do(req)
		if err != nil {
			t.Error(err)
		}
		result <- res
	}()
	if _, err := pw.Write([]byte(strings.Repeat("a", 1000))); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("server stopped with a request in flight: %v", err)
	default:
	}
	pw.Write([]byte(strings.Repeat("b", 1000)))
	pw.Close()
	res = <-result
	if res == nil || res.StatusCode != http.StatusAccepted || res.Header.Get("Range") != "0-1999" {
		t.Fatalf("in-flight PATCH: %+v", res)
	}
	res.Body.Close()
	if err := <-stopped; err != nil {
		t.Fatalf("Run returned %v after a clean shutdown", err)
	}
}

func TestASecondServerOnTheSameDataIsRefused(t *testing.T) {
	dir := t.TempDir()
	start(t, dir)
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.ProxyListen = "127.0.0.1:0"
	cfg.DataDir = dir
	err := Run(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Run = %v", err)
	}
}
