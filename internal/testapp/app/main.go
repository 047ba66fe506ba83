// Command app is the small HTTP service berth's tests build into a
// FROM scratch image and deploy. Its behaviour is set by environment
// variables so that one image can play a healthy, failing, slow or
// flaky service:
//
//	PORT               port to listen on (default 8080)
//	VERSION            version it reports on GET / (default "dev")
//	FAIL_HEALTH=1      GET /healthz answers 500
//	FAIL_HEALTH_AFTER  GET /healthz answers 500 once this duration has passed since start
//	FAIL_RATE          share (0..1) of GET / requests that answer 500
//	DELAY              duration every GET / waits before answering
//
// Routes: GET / answers "<VERSION>\n" with an X-Version header; GET
// /healthz answers "ok"; GET /stream writes a line every 100ms for one
// second; GET /ws is a WebSocket echo (see websocket.go).
//
// On SIGTERM or SIGINT it stops accepting connections, lets in-flight
// requests finish (up to 20s), closes WebSockets with status 1001 and
// exits 0. It prints one line to stdout when it starts and one when it
// stops.
//
// With -healthcheck it instead checks http://127.0.0.1:$PORT/healthz
// and exits 0 when that answers 200, 1 otherwise, for use as a
// container health check in an image that has no shell or curl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownTimeout bounds how long a stop waits for in-flight requests.
const shutdownTimeout = 20 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("app", flag.ContinueOnError)
	flags.SetOutput(stderr)
	healthcheck := flags.Bool("healthcheck", false, "check http://127.0.0.1:$PORT/healthz and exit 0 if it answers 200")
	version := flags.String("version", "", "version to report (overrides $VERSION)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "app:", err)
		return 2
	}
	if *version != "" {
		cfg.version = *version
	}
	if *healthcheck {
		if err := checkHealth(cfg.port); err != nil {
			fmt.Fprintln(stderr, "app: unhealthy:", err)
			return 1
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ln, err := net.Listen("tcp", ":"+cfg.port)
	if err != nil {
		fmt.Fprintln(stderr, "app: listening:", err)
		return 1
	}
	if err := serve(ctx, ln, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "app:", err)
		return 1
	}
	return 0
}

// serve answers HTTP on ln until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, cfg config, stdout io.Writer) error {
	a := newApp(cfg)
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(a.sockets.closeAll)
	fmt.Fprintf(stdout, "testapp %s listening on %s\n", cfg.version, ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		fmt.Fprintf(stdout, "testapp %s stopped: %v\n", cfg.version, err)
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintf(stdout, "testapp %s stopped\n", cfg.version)
	return nil
}

// checkHealth asks the running app on port for its health.
func checkHealth(port string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz answered %s", resp.Status)
	}
	return nil
}
