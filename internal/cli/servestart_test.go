package cli

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/driver/docker"
)

func TestServeSaysAtStartWhatIsImmutableAndWhetherDockerAnswers(t *testing.T) {
	found := func(context.Context) (docker.Daemon, error) {
		return docker.Daemon{Host: "unix:///var/run/docker.sock", Version: "28.5.2", APIVersion: "1.51"}, nil
	}
	var log bytes.Buffer
	logStartup(context.Background(), slog.New(slog.NewTextHandler(&log, nil)), config.Default(), found)
	for _, want := range []string{`rules="v* in **"`, `msg="docker found" host=unix:///var/run/docker.sock version=28.5.2 api_version=1.51`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log does not say %s:\n%s", want, log.String())
		}
	}

	cfg := config.Default()
	cfg.ImmutableTags = nil
	slow := func(ctx context.Context) (docker.Daemon, error) {
		<-ctx.Done() // a daemon that never answers
		return docker.Daemon{Host: "unix:///var/run/docker.sock"}, errors.New("Cannot connect to the Docker daemon")
	}
	log.Reset()
	start := time.Now()
	logStartup(context.Background(), slog.New(slog.NewTextHandler(&log, nil)), cfg, slow)
	if d := time.Since(start); d > dockerProbeTimeout+time.Second {
		t.Errorf("start-up waited %s for Docker", d)
	}
	for _, want := range []string{"immutable tags: none", "level=WARN", "deploys fail until Docker runs", "bash scripts/setup.sh"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log does not say %s:\n%s", want, log.String())
		}
	}
}
