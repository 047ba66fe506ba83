package docker

import (
	"context"
	"fmt"
	"log/slog"
	"maps"

	"github.com/docker/docker/client"

	"github.com/berth-dev/berth/internal/driver"
)

// LabelPort holds the container port the proxy reaches (ContainerSpec.
// Port), so that List and Inspect can rebuild Instance.Addr.
const LabelPort = "berth.port"

// Driver runs berth's containers on one Docker host. It is safe for
// concurrent use.
type Driver struct {
	client *client.Client
	log    *slog.Logger
	labels map[string]string
	auth   func(ctx context.Context, ref string) (string, error)
}

var _ driver.Driver = (*Driver)(nil)

// Option configures a Driver.
type Option func(*Driver)

// WithLabels adds labels to every network and container the driver
// creates (berth's own labels win over them).
func WithLabels(labels map[string]string) Option {
	return func(d *Driver) { maps.Copy(d.labels, labels) }
}

// WithRegistryAuth gives pulls credentials: auth returns the encoded
// registry auth (as the Engine API's X-Registry-Auth takes it) for an
// image reference, or "" to pull anonymously.
func WithRegistryAuth(auth func(ctx context.Context, ref string) (string, error)) Option {
	return func(d *Driver) { d.auth = auth }
}

// New returns a driver for the daemon the environment names (DOCKER_HOST
// and friends, else the local socket). It does not contact the daemon:
// the first call does, and negotiates the API version then.
func New(log *slog.Logger, opts ...Option) (*Driver, error) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("configuring the docker client: %w", err)
	}
	d := &Driver{client: c, log: log, labels: make(map[string]string)}
	for _, opt := range opts {
		opt(d)
	}
	return d, nil
}

// Close releases the client's connections.
func (d *Driver) Close() error {
	return d.client.Close()
}

// Name returns "docker".
func (d *Driver) Name() string { return "docker" }

// labelsFor returns the driver's extra labels with own on top.
func (d *Driver) labelsFor(own map[string]string) map[string]string {
	labels := maps.Clone(d.labels)
	maps.Copy(labels, own)
	return labels
}
