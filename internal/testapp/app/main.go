// Command app is the small HTTP service berth's tests build into a
// FROM scratch image and deploy; what it answers and the variables that
// configure it are in internal/testapp/appserver.
//
// On SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1 or SIGUSR2 it prints
// "testapp <version> got <signal>", then stops accepting connections,
// lets in-flight requests finish (up to 20s), closes WebSockets with
// status 1001 and exits 0. It prints one line to stdout when it starts
// and one when it stops. With EXIT_AFTER it exits by itself with
// EXIT_CODE.
//
// With -healthcheck it instead checks http://127.0.0.1:$PORT/healthz
// and exits 0 when that answers 200, 1 otherwise, for use as a
// container health check in an image that has no shell or curl.
//
// With -probe it is a verification job (x-berth.verify): it GETs
// $BERTH_TARGET_URL, or $PROBE_PATH resolved against it, prints the
// status and body, and exits 0 when that answers 200 with $EXPECT_BODY
// in the body (when set), 1 otherwise (appserver.Probe).
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

	"github.com/berth-dev/berth/internal/testapp/appserver"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// stopSignals are the signals that stop the app gracefully, by name.
var stopSignals = map[os.Signal]string{
	syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGHUP: "SIGHUP", syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2",
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("app", flag.ContinueOnError)
	flags.SetOutput(stderr)
	healthcheck := flags.Bool("healthcheck", false, "check http://127.0.0.1:$PORT/healthz and exit 0 if it answers 200")
	version := flags.String("version", "", "version to report (overrides $VERSION)")
	probe := flags.Bool("probe", false, "GET $BERTH_TARGET_URL (+ $PROBE_PATH) and exit 0 if it answers 200 (with $EXPECT_BODY in the body)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *probe {
		return appserver.Probe(context.Background(), getenv, &http.Client{}, stdout)
	}
	if v := *version; v != "" {
		env := getenv
		getenv = func(k string) string {
			if k == "VERSION" {
				return v
			}
			return env(k)
		}
	}
	srv, err := appserver.New(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "app:", err)
		return 2
	}
	if *healthcheck {
		if err := appserver.CheckHealth(context.Background(), "127.0.0.1:"+srv.Port()); err != nil {
			fmt.Fprintln(stderr, "app: unhealthy:", err)
			return 1
		}
		return 0
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	for sig := range stopSignals {
		signal.Notify(sigs, sig)
	}
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			cancel(&appserver.Stopped{Signal: stopSignals[sig]})
		case <-ctx.Done():
		}
	}()
	ln, err := net.Listen("tcp", ":"+srv.Port())
	if err != nil {
		fmt.Fprintln(stderr, "app: listening:", err)
		return 1
	}
	err = srv.Serve(ctx, ln, stdout)
	var exit *appserver.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.Code
	case err != nil:
		fmt.Fprintln(stderr, "app:", err)
		return 1
	}
	return 0
}
