package docker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"

	"github.com/berth-dev/berth/internal/driver"
)

// Start creates the container for one replica, joins it to its
// networks, starts it and returns it as inspected right after the
// start, with Addr set when spec.Port is. Start does not pull: the
// image must be on the host (call Pull first), else the error wraps
// driver.ErrImage; without the app's networks and volumes (Prepare) it
// wraps driver.ErrNotFound. A spec that sets a key the driver refuses
// (Refuses) fails before anything is made, and so does a container the
// daemon would not apply every setting of (it warns that it discarded
// one). Nor does Start wait for the app: a process that exits at once
// shows in the returned State. If the start fails, the container and
// its files are removed before the error is returned.
func (d *Driver) Start(ctx context.Context, spec driver.ContainerSpec) (driver.Instance, error) {
	if err := checkSpec(spec); err != nil {
		return driver.Instance{}, err
	}
	h, err := d.hostInfo(ctx)
	if err != nil {
		return driver.Instance{}, fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, err)
	}
	if err := checkRefused(h, spec); err != nil {
		return driver.Instance{}, err
	}
	objs, err := d.objects(spec.App)
	if err != nil {
		return driver.Instance{}, fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, err)
	}
	req, err := d.containerConfig(h, spec, objs)
	if err != nil {
		return driver.Instance{}, fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, err)
	}
	d.filesMu.RLock()
	id, name, err := d.create(ctx, spec, req)
	d.filesMu.RUnlock()
	if err != nil {
		return driver.Instance{}, err
	}
	for _, j := range req.join {
		if err := d.client.NetworkConnect(ctx, j.name, id, j.endpoint); err != nil {
			d.discard(ctx, id, spec.App, name)
			return driver.Instance{}, fmt.Errorf("joining container %s to network %s: %w", name, j.name, notFound(err))
		}
	}
	if err := d.client.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		d.discard(ctx, id, spec.App, name)
		return driver.Instance{}, fmt.Errorf("starting container %s: %w", name, notFound(err))
	}
	c, err := d.client.ContainerInspect(ctx, id)
	if err != nil {
		d.discard(ctx, id, spec.App, name)
		return driver.Instance{}, fmt.Errorf("inspecting container %s: %w", name, notFound(err))
	}
	inst := instance(c)
	d.log.Debug("container started", "app", spec.App, "service", spec.Service, "revision", spec.Revision,
		"set", spec.Set, "index", spec.Index, "container", name, "addr", inst.Addr)
	return inst, nil
}

// create writes the container's files and creates it, under a name of
// its own.
func (d *Driver) create(ctx context.Context, spec driver.ContainerSpec, req *createRequest) (id, name string, err error) {
	base := req.host.Mounts
	for attempt := 1; ; attempt++ {
		name = containerName(d.env, spec)
		files, err := d.writeFiles(spec.App, name, spec.Runtime.Files)
		if errors.Is(err, fs.ErrExist) && attempt < 3 {
			continue // a container of that name left its files; draw another
		}
		if err != nil {
			return "", "", fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, err)
		}
		req.host.Mounts = append(slices.Clip(base), files...)
		created, err := d.client.ContainerCreate(ctx, req.config, req.host, req.network, nil, name)
		if err == nil {
			if bad := discarded(created.Warnings); len(bad) > 0 {
				d.discard(ctx, created.ID, spec.App, name)
				return "", "", fmt.Errorf("creating container %s: the daemon would not apply every setting: %s", name, strings.Join(bad, "; "))
			}
			for _, w := range created.Warnings {
				d.log.Warn("the daemon warns about a container", "app", spec.App, "container", name, "warning", w)
			}
			return created.ID, name, nil
		}
		d.removeFiles(d.ownScope(), spec.App, name)
		if cerrdefs.IsConflict(err) && attempt < 3 {
			continue // the random suffix is taken; draw another
		}
		return "", "", fmt.Errorf("creating container %s: %w", name, d.createError(ctx, spec.Image, err))
	}
}

// discarded returns the daemon's warnings that say it left a setting
// out ("Limitation discarded", "does not support").
func discarded(warnings []string) []string {
	var bad []string
	for _, w := range warnings {
		l := strings.ToLower(w)
		if strings.Contains(l, "discard") || strings.Contains(l, "not support") {
			bad = append(bad, w)
		}
	}
	return bad
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

// discard removes a container Start could not finish, and its files,
// even when ctx is what ended it.
func (d *Driver) discard(ctx context.Context, id, app, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.client.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
		d.log.Warn("removing a container that failed to start", "container", name, "err", err)
	}
	d.removeFiles(d.ownScope(), app, name)
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
