package testapp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Package is the import path of the app's main package.
const Package = "github.com/berth-dev/berth/internal/testapp/app"

// Port is the port the app listens on unless PORT says otherwise.
const Port = 8080

// dockerfile builds the image: the binary alone, with its version as
// the default VERSION.
const dockerfile = `FROM scratch
ARG VERSION=dev
ENV VERSION=$VERSION PORT=8080
COPY app /app
EXPOSE 8080
ENTRYPOINT ["/app"]
`

// Builder compiles the app once and makes images of it. It is safe for
// concurrent use.
type Builder struct {
	dir  string
	once sync.Once
	err  error
}

// NewBuilder returns a Builder that keeps the compiled app and its
// Dockerfile in dir, which the caller creates and removes (for one
// compile per test binary, a directory made in TestMain).
func NewBuilder(dir string) *Builder {
	return &Builder{dir: dir}
}

// compile builds the static binary and writes the Dockerfile, once.
func (b *Builder) compile() error {
	b.once.Do(func() {
		if err := checkDocker(); err != nil {
			b.err = err
			return
		}
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(b.dir, "app"), Package)
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := build.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("building %s: %v\n%s", Package, err, out)
			return
		}
		if err := os.WriteFile(filepath.Join(b.dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
			b.err = fmt.Errorf("writing the Dockerfile: %w", err)
		}
	})
	return b.err
}

var pushDigestRE = regexp.MustCompile(`digest: (sha256:[0-9a-f]{64})`)

// Build makes an image of the app whose VERSION defaults to version,
// labeled berth.test=1, pushes it as registry/repo:version and returns
// its reference pinned by digest (registry/repo@sha256:...).
//
// The image is then removed from the host, so that it exists only in
// the registry and whatever uses it has to pull it; every build gets a
// digest of its own. When the test ends, the reference the host may
// have pulled in the meantime is removed too. Build fails the test when
// Docker is not there.
func (b *Builder) Build(t testing.TB, registry, repo, version string) string {
	t.Helper()
	if err := b.compile(); err != nil {
		t.Fatal(err)
	}
	tag := registry + "/" + repo + ":" + version
	var pinned string
	t.Cleanup(func() {
		for _, ref := range []string{tag, pinned} {
			if ref != "" {
				_ = exec.Command("docker", "image", "rm", ref).Run()
			}
		}
	})
	docker(t, "build", "--no-cache", "--force-rm", "--label", "berth.test=1",
		"--build-arg", "VERSION="+version, "-t", tag, b.dir)
	out := docker(t, "push", tag)
	m := pushDigestRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("docker push %s printed no digest:\n%s", tag, out)
	}
	pinned = registry + "/" + repo + "@" + m[1]
	docker(t, "image", "rm", tag)
	return pinned
}

// RequireDocker fails the test when no Docker daemon answers.
func RequireDocker(t testing.TB) {
	t.Helper()
	if err := checkDocker(); err != nil {
		t.Fatal(err)
	}
}

func checkDocker() error {
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("docker CLI not found: run the project's setup (scripts/setup.sh) first")
	}
	out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("no Docker daemon answers (run scripts/setup.sh): %v\n%s", err, out)
	}
	return nil
}

// docker runs the docker CLI and returns its combined output, failing
// the test with that output if it fails.
func docker(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
