package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/berth-dev/berth/internal/driver"
)

// Start creates the container for one replica, starts it and returns it
// as inspected right after the start, with Addr set when spec.Port is.
// Start does not pull: the image must be on the host (call Pull first),
// else the error wraps driver.ErrImage; without the app's network
// (Prepare) it wraps driver.ErrNotFound. Nor does it wait for the app: a
// process that exits at once shows in the returned State. If the start
// fails, the container is removed before the error is returned.
func (d *Driver) Start(ctx context.Context, spec driver.ContainerSpec) (driver.Instance, error) {
	if err := checkSpec(spec); err != nil {
		return driver.Instance{}, err
	}
	cfg, host, net := d.containerConfig(spec)
	var id, name string
	for attempt := 1; ; attempt++ {
		name = containerName(spec)
		created, err := d.client.ContainerCreate(ctx, cfg, host, net, nil, name)
		if err == nil {
			id = created.ID
			break
		}
		if cerrdefs.IsConflict(err) && attempt < 3 {
			continue // the random suffix is taken; draw another
		}
		return driver.Instance{}, fmt.Errorf("creating container %s: %w", name, d.createError(ctx, spec.Image, err))
	}
	if err := d.client.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		d.discard(ctx, id, name)
		return driver.Instance{}, fmt.Errorf("starting container %s: %w", name, notFound(err))
	}
	c, err := d.client.ContainerInspect(ctx, id)
	if err != nil {
		d.discard(ctx, id, name)
		return driver.Instance{}, fmt.Errorf("inspecting container %s: %w", name, notFound(err))
	}
	inst := instance(c)
	d.log.Debug("container started", "app", spec.App, "service", spec.Service, "revision", spec.Revision,
		"set", spec.Set, "index", spec.Index, "container", name, "addr", inst.Addr)
	return inst, nil
}

// createError tells a missing image (driver.ErrImage) from a missing
// network (driver.ErrNotFound: Prepare was not called), which the
// daemon both report as not found. (Daemons up to 20.10 find a missing
// network only at start, later ones at create.)
func (d *Driver) createError(ctx context.Context, ref string, err error) error {
	if !cerrdefs.IsNotFound(err) {
		return err
	}
	if present, ierr := d.hasImage(ctx, ref); ierr == nil && !present {
		return &daemonError{kind: driver.ErrImage, err: err}
	}
	return notFound(err)
}

// discard removes a container Start could not finish, even when ctx is
// what ended it.
func (d *Driver) discard(ctx context.Context, id, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.client.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
		d.log.Warn("removing a container that failed to start", "container", name, "err", err)
	}
}

func checkSpec(spec driver.ContainerSpec) error {
	if err := checkName("app", spec.App); err != nil {
		return err
	}
	if err := checkName("service", spec.Service); err != nil {
		return err
	}
	if spec.Set != "" {
		if err := checkName("set", spec.Set); err != nil {
			return err
		}
	}
	switch {
	case spec.Image == "":
		return fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, errNoImage)
	case spec.Revision < 0 || spec.Index < 0:
		return fmt.Errorf("starting %s/%s: negative revision or index", spec.App, spec.Service)
	case spec.Port < 0 || spec.Port > 65535:
		return fmt.Errorf("starting %s/%s: port %d out of range", spec.App, spec.Service, spec.Port)
	}
	return nil
}

// containerName is berth-<app>-<service>-<set>-r<revision>-<index>-<4
// random hex digits>.
func containerName(spec driver.ContainerSpec) string {
	var b [2]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return fmt.Sprintf("berth-%s-%s-%s-r%d-%d-%s", spec.App, spec.Service, spec.Set, spec.Revision, spec.Index, hex.EncodeToString(b[:]))
}

// containerConfig turns spec into the daemon's create request.
func (d *Driver) containerConfig(spec driver.ContainerSpec) (*container.Config, *container.HostConfig, *network.NetworkingConfig) {
	own := map[string]string{
		driver.LabelManaged:  "1",
		driver.LabelApp:      spec.App,
		driver.LabelService:  spec.Service,
		driver.LabelRevision: strconv.Itoa(spec.Revision),
		driver.LabelSet:      spec.Set,
		driver.LabelIndex:    strconv.Itoa(spec.Index),
	}
	if spec.Port > 0 {
		own[LabelPort] = strconv.Itoa(spec.Port)
	}
	labels := d.labelsFor(spec.Labels)
	for k, v := range own {
		labels[k] = v
	}
	cfg := &container.Config{
		Image:       spec.Image,
		Env:         spec.Env,
		Labels:      labels,
		StopSignal:  "SIGTERM",
		StopTimeout: seconds(spec.StopGrace),
		Healthcheck: healthConfig(spec.Health),
	}
	if len(spec.Entrypoint) > 0 {
		cfg.Entrypoint = spec.Entrypoint
	}
	if len(spec.Command) > 0 {
		cfg.Cmd = spec.Command
	}
	netName := networkName(spec.App)
	host := &container.HostConfig{
		NetworkMode:   container.NetworkMode(netName),
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
	}
	net := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		netName: {Aliases: []string{spec.Service}},
	}}
	return cfg, host, net
}

// seconds rounds a grace period up to whole seconds, as the daemon
// counts them; zero or less means the daemon's default (10s).
func seconds(grace time.Duration) *int {
	if grace <= 0 {
		return nil
	}
	s := int(math.Ceil(grace.Seconds()))
	return &s
}

func healthConfig(h *driver.Healthcheck) *container.HealthConfig {
	if h == nil {
		return nil
	}
	return &container.HealthConfig{
		Test:        h.Test,
		Interval:    h.Interval,
		Timeout:     h.Timeout,
		Retries:     h.Retries,
		StartPeriod: h.StartPeriod,
	}
}
