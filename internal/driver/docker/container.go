package docker

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/berth-dev/berth/internal/driver"
)

// own inspects the container id and checks it is this driver's: a
// container that is not berth's, or is another instance's or
// environment's, is reported as not found.
func (d *Driver) own(ctx context.Context, id, doing string) (container.InspectResponse, error) {
	c, err := d.client.ContainerInspect(ctx, id)
	if err != nil {
		return c, fmt.Errorf("%s container %s: %w", doing, id, notFound(err))
	}
	if c.Config == nil || !d.mine(c.Config.Labels, "") {
		return c, fmt.Errorf("%s container %s: %w: the container is not this berth's", doing, id, driver.ErrNotFound)
	}
	return c, nil
}

// Stop sends the container its stop signal (SIGTERM unless the spec
// set another) and kills it if it has not exited after grace, rounded
// up to whole seconds; a grace of zero kills it at once, a negative one
// uses the container's own (its StopGrace). It returns once the
// container has exited. Stopping a stopped container is not an error; a
// missing one wraps driver.ErrNotFound.
func (d *Driver) Stop(ctx context.Context, id string, grace time.Duration) error {
	if _, err := d.own(ctx, id, "stopping"); err != nil {
		return err
	}
	var timeout *int
	if grace >= 0 {
		s := int(math.Ceil(grace.Seconds()))
		timeout = &s
	}
	if err := d.client.ContainerStop(ctx, id, container.StopOptions{Timeout: timeout}); err != nil {
		return fmt.Errorf("stopping container %s: %w", id, notFound(err))
	}
	d.log.Debug("container stopped", "container", id)
	return nil
}

// Remove deletes a container, its anonymous volumes and its files,
// killing it first if it runs (call Stop before for a graceful end). A
// container that is gone already wraps driver.ErrNotFound, which a
// caller that only wants it gone treats as done.
func (d *Driver) Remove(ctx context.Context, id string) error {
	c, err := d.own(ctx, id, "removing")
	if err != nil {
		return err
	}
	if err := d.client.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
		return fmt.Errorf("removing container %s: %w", id, notFound(err))
	}
	d.removeFiles(scopeOf(c.Config.Labels), c.Config.Labels[driver.LabelApp], strings.TrimPrefix(c.Name, "/"))
	d.log.Debug("container removed", "container", id)
	return nil
}

// Inspect returns one of the driver's containers by ID or name. A
// container berth does not manage, or another instance's or
// environment's, is reported as not found.
func (d *Driver) Inspect(ctx context.Context, id string) (driver.Instance, error) {
	c, err := d.own(ctx, id, "inspecting")
	if err != nil {
		return driver.Instance{}, err
	}
	return instance(c), nil
}

// List returns the driver's containers for app, or for every app when
// app is "", in all states, ordered by app, service, revision, set and
// index. It removes the files of containers that are gone.
func (d *Driver) List(ctx context.Context, app string) ([]driver.Instance, error) {
	found, err := d.list(ctx, app)
	if err != nil {
		return nil, err
	}
	out := make([]driver.Instance, 0, len(found))
	for _, s := range found {
		c, err := d.client.ContainerInspect(ctx, s.ID)
		if cerrdefs.IsNotFound(err) {
			continue // removed since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("inspecting container %s: %w", s.ID, err)
		}
		out = append(out, instance(c))
	}
	slices.SortFunc(out, func(a, b driver.Instance) int {
		return cmp.Or(cmp.Compare(a.App, b.App), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Revision, b.Revision), cmp.Compare(a.Set, b.Set),
			cmp.Compare(a.Index, b.Index), cmp.Compare(a.Name, b.Name))
	})
	if err := d.sweepFiles(ctx, app, found...); err != nil {
		return nil, err
	}
	return out, nil
}

// list returns the daemon's summaries of the driver's containers for
// app.
func (d *Driver) list(ctx context.Context, app string) ([]container.Summary, error) {
	args := filters.NewArgs(filters.Arg("label", driver.LabelManaged+"=1"))
	if app != "" {
		args.Add("label", driver.LabelApp+"="+app)
	}
	found, err := d.client.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	// A run (driver.Runner) is no replica: it is the Runner's alone.
	return slices.DeleteFunc(found, func(c container.Summary) bool { return !d.mine(c.Labels, app) || c.Labels[driver.LabelRun] != "" }), nil
}

// instance converts the daemon's view of a container, labels first.
func instance(c container.InspectResponse) driver.Instance {
	var labels map[string]string
	var image string
	if c.Config != nil {
		labels, image = c.Config.Labels, c.Config.Image
	}
	inst := driver.Instance{
		ID:      c.ID,
		Name:    strings.TrimPrefix(c.Name, "/"),
		App:     labels[driver.LabelApp],
		Service: labels[driver.LabelService],
		Set:     labels[driver.LabelSet],
		Image:   image,
		Health:  container.NoHealthcheck,
		Labels:  maps.Clone(labels),
	}
	inst.Revision, _ = strconv.Atoi(labels[driver.LabelRevision])
	inst.Index, _ = strconv.Atoi(labels[driver.LabelIndex])
	if s := c.State; s != nil {
		inst.State = string(s.Status)
		inst.ExitCode = s.ExitCode
		if s.Health != nil && s.Health.Status != "" {
			inst.Health = string(s.Health.Status)
		}
		if t, err := time.Parse(time.RFC3339Nano, s.StartedAt); err == nil && t.Year() > 1 {
			inst.StartedAt = t
		}
	}
	if port := labels[LabelPort]; port != "" && c.NetworkSettings != nil {
		if ep := c.NetworkSettings.Networks[routedNetwork(labels)]; ep != nil && ep.IPAddress != "" {
			inst.Addr = net.JoinHostPort(ep.IPAddress, port)
		}
	}
	return inst
}

// routedNetwork is the name on the host of the network where the proxy
// reaches a container: the app's default network if the container is on
// it, else the first it joined. A container made before LabelNetworks
// is on berth-<app>.
func routedNetwork(labels map[string]string) string {
	joined := parseNetworkLabel(labels[LabelNetworks])
	if len(joined) == 0 {
		return legacyNetworkName(labels[driver.LabelApp])
	}
	for _, n := range joined {
		if n.spec == driver.DefaultNetwork {
			return n.host
		}
	}
	return joined[0].host
}
