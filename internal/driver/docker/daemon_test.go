package docker_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver/docker"
)

func TestProbeSaysTheDaemonsVersion(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("no Docker daemon here")
	}
	d, err := docker.Probe(context.Background())
	if err != nil || d.Version == "" || d.APIVersion == "" || d.Host == "" {
		t.Fatalf("Probe = %+v, %v", d, err)
	}
}

func TestProbeOfNoDaemonFailsAndNamesWhereItLooked(t *testing.T) {
	sock := "unix://" + filepath.Join(t.TempDir(), "docker.sock")
	t.Setenv("DOCKER_HOST", sock)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := docker.Probe(ctx)
	if err == nil || d.Host != sock {
		t.Fatalf("Probe = %+v, %v; want an error and the host %s", d, err, sock)
	}
}
