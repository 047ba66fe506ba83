package memory_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/drivertest"
	"github.com/berth-dev/berth/internal/driver/memory"
	"github.com/berth-dev/berth/internal/testapp/appserver"
)

// testApp is the test app (internal/testapp) as a program: the same
// flags, variables and routes as its image, served in-process.
func testApp(ctx context.Context, p *memory.Process) int {
	flags := flag.NewFlagSet("app", flag.ContinueOnError)
	flags.SetOutput(p.Stdout)
	healthcheck := flags.Bool("healthcheck", false, "")
	version := flags.String("version", "", "")
	probe := flags.Bool("probe", false, "")
	if err := flags.Parse(p.Args[1:]); err != nil {
		return 2
	}
	if *probe {
		return appserver.Probe(ctx, p.Getenv, &http.Client{Transport: &http.Transport{DialContext: p.DialContext}}, p.Stdout)
	}
	getenv := p.Getenv
	if v := *version; v != "" {
		getenv = func(k string) string {
			if k == "VERSION" {
				return v
			}
			return p.Getenv(k)
		}
	}
	srv, err := appserver.New(getenv)
	if err != nil {
		fmt.Fprintln(p.Stdout, "app:", err)
		return 2
	}
	if *healthcheck {
		if err := appserver.CheckHealth(ctx, net.JoinHostPort(p.IP, srv.Port())); err != nil {
			return 1
		}
		return 0
	}
	port, _ := strconv.Atoi(srv.Port())
	ln, err := p.Listen(port)
	if err != nil {
		fmt.Fprintln(p.Stdout, "app: listening:", err)
		return 1
	}
	err = srv.Serve(ctx, ln, p.Stdout)
	var exit *appserver.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.Code
	case err != nil:
		return 1
	}
	return 0
}

func TestConformance(t *testing.T) {
	reg, host := memory.NewRegistry(), memory.NewHost()
	labels := map[string]string{"berth.test": "1"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	drivertest.Run(t, func(t *testing.T) driver.Driver {
		return memory.New(reg, log, memory.Options{Host: host, Labels: labels})
	}, drivertest.Env{
		Image: func(t testing.TB, version string) string {
			var b [4]byte
			if _, err := rand.Read(b[:]); err != nil {
				t.Fatal(err)
			}
			repo := "mem.test/drivertest/app-" + hex.EncodeToString(b[:])
			return reg.Push(repo, version, memory.Image{Path: "/app", Program: testApp, Env: []string{"VERSION=" + version}, Version: version})
		},
		ManifestRequests: reg.Pulls,
		Labels:           labels,
	})
}
