package docker

import (
	"context"
	"fmt"

	"github.com/docker/docker/client"
)

// Daemon is what the Docker daemon berth talks to says about itself.
type Daemon struct {
	Host       string // where the client reaches it: DOCKER_HOST or the default socket
	Version    string // the engine's version, such as 28.5.2
	APIVersion string // the API version the two agreed on
}

// Probe asks the Docker daemon of the environment (DOCKER_HOST, else the
// default socket) for its version, within ctx.
func Probe(ctx context.Context) (Daemon, error) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return Daemon{}, fmt.Errorf("configuring the docker client: %w", err)
	}
	defer c.Close()
	d := Daemon{Host: c.DaemonHost()}
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return d, err
	}
	d.Version, d.APIVersion = v.Version, c.ClientVersion()
	return d, nil
}
