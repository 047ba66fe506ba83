package docker

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/berth-dev/berth/internal/driver"
)

// appObjects are an app's networks and volumes: their names on the host
// by their names in the spec.
type appObjects struct {
	networks map[string]string
	volumes  map[string]string
}

// Prepare makes the app's networks and named volumes, each labelled as
// berth's (driver.LabelManaged, driver.LabelApp, driver.LabelInstance,
// driver.LabelEnv and LabelNetwork or LabelVolume with its name in the
// spec), and
// keeps what the app has already: a network or volume of the name it
// would make that is this driver's for this app is used as it is, and
// one that is not is an error. The default network is always made. An
// external network or volume is looked up, never made: a missing one
// is an error that wraps driver.ErrNotFound. Prepare may be called again
// with more; Start uses what every call prepared.
func (d *Driver) Prepare(ctx context.Context, app string, res driver.AppResources) error {
	if err := checkName("app", app); err != nil {
		return err
	}
	nets := slices.Clone(res.Networks)
	if !slices.ContainsFunc(nets, func(n driver.Network) bool { return n.Name == driver.DefaultNetwork }) {
		nets = append([]driver.Network{{Name: driver.DefaultNetwork}}, nets...)
	}
	// External ones first: a missing one fails Prepare before it makes
	// anything.
	slices.SortStableFunc(nets, func(a, b driver.Network) int { return externalFirst(a.External, b.External) })
	vols := slices.Clone(res.Volumes)
	slices.SortStableFunc(vols, func(a, b driver.Volume) int { return externalFirst(a.External, b.External) })
	objs := &appObjects{networks: map[string]string{}, volumes: map[string]string{}}
	for _, n := range nets {
		host, err := d.prepareNetwork(ctx, app, n)
		if err != nil {
			return fmt.Errorf("preparing app %s: %w", app, err)
		}
		objs.networks[n.Name] = host
	}
	for _, v := range vols {
		host, err := d.prepareVolume(ctx, app, v)
		if err != nil {
			return fmt.Errorf("preparing app %s: %w", app, err)
		}
		objs.volumes[v.Name] = host
	}
	d.mu.Lock()
	if cur := d.prepared[app]; cur != nil {
		maps.Copy(cur.networks, objs.networks)
		maps.Copy(cur.volumes, objs.volumes)
	} else {
		d.prepared[app] = objs
	}
	d.mu.Unlock()
	return d.sweepFiles(ctx, app)
}

// externalFirst orders external objects before the app's own.
func externalFirst(a, b string) int {
	switch {
	case a != "" && b == "":
		return -1
	case a == "" && b != "":
		return 1
	}
	return 0
}

// objects returns what Prepare made for app, or an error wrapping
// driver.ErrNotFound when it has not been called.
func (d *Driver) objects(app string) (*appObjects, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	objs := d.prepared[app]
	if objs == nil {
		return nil, fmt.Errorf("app %s is not prepared (call Prepare first): %w", app, driver.ErrNotFound)
	}
	return &appObjects{networks: maps.Clone(objs.networks), volumes: maps.Clone(objs.volumes)}, nil
}

// ownsObject reports whether a network or volume with labels is the
// app's object called name in the spec, and this driver's. The default
// network made before networks had LabelNetwork has none.
func (d *Driver) ownsObject(labels map[string]string, app, key, name string) bool {
	if !d.mine(labels, app) {
		return false
	}
	got, ok := labels[key]
	return got == name || (!ok && key == LabelNetwork && name == driver.DefaultNetwork)
}

// prepareNetwork returns the name on the host of the app's network n,
// making it if needed.
func (d *Driver) prepareNetwork(ctx context.Context, app string, n driver.Network) (string, error) {
	if err := checkName("network", n.Name); err != nil {
		return "", err
	}
	if n.External != "" {
		if _, err := d.client.NetworkInspect(ctx, n.External, network.InspectOptions{}); err != nil {
			if cerrdefs.IsNotFound(err) {
				return "", fmt.Errorf("network %s is external and does not exist: create it first, or drop external: %w", n.External, notFound(err))
			}
			return "", fmt.Errorf("inspecting network %s: %w", n.External, err)
		}
		return n.External, nil
	}
	names := d.candidateNames(app, n.Name, n.FixedName)
	for i, name := range names {
		found, err := d.client.NetworkInspect(ctx, name, network.InspectOptions{})
		switch {
		case err == nil && d.ownsObject(found.Labels, app, LabelNetwork, n.Name):
			return name, nil
		case err == nil && i == len(names)-1:
			return "", fmt.Errorf("network %s exists and is not berth's network %s of app %s here", name, n.Name, app)
		case err != nil && !cerrdefs.IsNotFound(err):
			return "", fmt.Errorf("inspecting network %s: %w", name, err)
		}
	}
	name := names[len(names)-1]
	opts, err := d.networkOptions(ctx, app, n)
	if err != nil {
		return "", err
	}
	_, err = d.client.NetworkCreate(ctx, name, opts)
	if cerrdefs.IsConflict(err) {
		// Made by a concurrent Prepare, or by someone else.
		found, ierr := d.client.NetworkInspect(ctx, name, network.InspectOptions{})
		if ierr == nil && d.ownsObject(found.Labels, app, LabelNetwork, n.Name) {
			return name, nil
		}
	}
	if err != nil {
		return "", networkCreateError(name, err)
	}
	d.log.Debug("network created", "app", app, "network", n.Name, "name", name)
	return name, nil
}

// networkOptions are the daemon's create options for the app's network
// n, as docker compose makes them.
func (d *Driver) networkOptions(ctx context.Context, app string, n driver.Network) (network.CreateOptions, error) {
	labels := d.objectLabels(n.Labels, map[string]string{driver.LabelManaged: "1", driver.LabelApp: app, LabelNetwork: n.Name})
	opts := network.CreateOptions{
		Driver:     cmp.Or(n.Driver, "bridge"),
		Options:    n.Options,
		Internal:   n.Internal,
		Attachable: n.Attachable,
		Labels:     labels,
	}
	if n.IPv6 {
		opts.EnableIPv6 = &n.IPv6
	}
	if n.NoIPv4 {
		h, err := d.hostInfo(ctx)
		if err != nil {
			return opts, err
		}
		if !h.atLeast("1.48") {
			return opts, fmt.Errorf("network %s: the daemon speaks Docker Engine API %s, and an IPv6-only network (enable_ipv4: false) needs 1.48 (Docker 28.0 or later)", n.Name, h.api)
		}
		off := false
		opts.EnableIPv4 = &off
	}
	pools := n.Pools
	if len(pools) == 0 {
		for _, s := range n.Subnets {
			pools = append(pools, driver.IPAMPool{Subnet: s})
		}
	}
	if n.IPAMDriver != "" || len(n.IPAMOptions) > 0 || len(pools) > 0 {
		opts.IPAM = &network.IPAM{Driver: n.IPAMDriver, Options: n.IPAMOptions}
		for _, p := range pools {
			opts.IPAM.Config = append(opts.IPAM.Config, network.IPAMConfig{
				Subnet: p.Subnet, IPRange: p.IPRange, Gateway: p.Gateway, AuxAddress: p.AuxAddresses,
			})
		}
	}
	return opts, nil
}

// prepareVolume returns the name on the host of the app's volume v,
// making it if needed.
func (d *Driver) prepareVolume(ctx context.Context, app string, v driver.Volume) (string, error) {
	if err := checkName("volume", v.Name); err != nil {
		return "", err
	}
	if v.External != "" {
		if _, err := d.client.VolumeInspect(ctx, v.External); err != nil {
			if cerrdefs.IsNotFound(err) {
				return "", fmt.Errorf("volume %s is external and does not exist: create it first, or drop external: %w", v.External, notFound(err))
			}
			return "", fmt.Errorf("inspecting volume %s: %w", v.External, err)
		}
		return v.External, nil
	}
	names := d.candidateNames(app, v.Name, v.FixedName)
	for i, name := range names {
		found, err := d.client.VolumeInspect(ctx, name)
		switch {
		case err == nil && d.ownsObject(found.Labels, app, LabelVolume, v.Name):
			return name, nil
		case err == nil && i == len(names)-1:
			return "", fmt.Errorf("volume %s exists and is not berth's volume %s of app %s here", name, v.Name, app)
		case err != nil && !cerrdefs.IsNotFound(err):
			return "", fmt.Errorf("inspecting volume %s: %w", name, err)
		}
	}
	name := names[len(names)-1]
	labels := d.objectLabels(v.Labels, map[string]string{driver.LabelManaged: "1", driver.LabelApp: app, LabelVolume: v.Name})
	// The daemon answers a create of an existing volume with that
	// volume, whoever made it: check it is the one asked for.
	made, err := d.client.VolumeCreate(ctx, volume.CreateOptions{Name: name, Driver: v.Driver, DriverOpts: v.Options, Labels: labels})
	if err != nil {
		return "", fmt.Errorf("creating volume %s: %w", name, err)
	}
	if !d.ownsObject(made.Labels, app, LabelVolume, v.Name) {
		return "", fmt.Errorf("volume %s exists and is not berth's volume %s of app %s here", name, v.Name, app)
	}
	d.log.Debug("volume created", "app", app, "volume", v.Name, "name", name)
	return name, nil
}

// Release removes the app's networks, and with opts.Volumes its own
// volumes and their data; never external ones, nor another instance's
// or environment's.
// It is not an error when they are gone already; it is while any
// container of the app, in any state, is left.
func (d *Driver) Release(ctx context.Context, app string, opts driver.ReleaseOptions) error {
	if err := checkName("app", app); err != nil {
		return err
	}
	left, err := d.list(ctx, app)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		names := make([]string, len(left))
		for i, c := range left {
			names[i] = c.ID
			if len(c.Names) > 0 {
				names[i] = strings.TrimPrefix(c.Names[0], "/")
			}
		}
		return fmt.Errorf("releasing app %s: %d containers are left: %s", app, len(left), strings.Join(names, ", "))
	}
	d.mu.Lock()
	delete(d.prepared, app)
	d.mu.Unlock()
	args := filters.NewArgs(filters.Arg("label", driver.LabelManaged+"=1"), filters.Arg("label", driver.LabelApp+"="+app))
	nets, err := d.client.NetworkList(ctx, network.ListOptions{Filters: args})
	if err != nil {
		return fmt.Errorf("listing the networks of app %s: %w", app, err)
	}
	for _, n := range nets {
		if !d.mine(n.Labels, app) {
			continue
		}
		if err := d.client.NetworkRemove(ctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("removing network %s: %w", n.Name, err)
		}
		d.log.Debug("network removed", "app", app, "name", n.Name)
	}
	if opts.Volumes {
		vols, err := d.client.VolumeList(ctx, volume.ListOptions{Filters: args})
		if err != nil {
			return fmt.Errorf("listing the volumes of app %s: %w", app, err)
		}
		for _, v := range vols.Volumes {
			if !d.mine(v.Labels, app) {
				continue
			}
			if err := d.client.VolumeRemove(ctx, v.Name, false); err != nil && !cerrdefs.IsNotFound(err) {
				return fmt.Errorf("removing volume %s: %w", v.Name, err)
			}
			d.log.Debug("volume removed", "app", app, "name", v.Name)
		}
	}
	return d.removeAppFiles(app)
}

// networkCreateError explains a failed network creation. Docker's default
// address pools hold about 30 bridge networks, and each app takes one.
func networkCreateError(name string, err error) error {
	if strings.Contains(err.Error(), "address pool") {
		return fmt.Errorf("creating network %s: %w (every app has a bridge network of its own and "+
			"Docker ran out of subnets for them; give dockerd more in /etc/docker/daemon.json, e.g. "+
			`"default-address-pools": [{"base": "10.200.0.0/16", "size": 24}] for 256 networks, then restart it)`, name, err)
	}
	return fmt.Errorf("creating network %s: %w", name, err)
}
