package docker

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"

	"github.com/berth-dev/berth/internal/driver"
)

// networkName is the bridge network an app's containers share.
func networkName(app string) string { return "berth-" + app }

// Prepare creates the app's bridge network, berth-<app>, unless it is
// there already. A network of that name that berth did not create is an
// error.
func (d *Driver) Prepare(ctx context.Context, app string, res driver.AppResources) error {
	if err := checkName("app", app); err != nil {
		return err
	}
	name := networkName(app)
	n, err := d.client.NetworkInspect(ctx, name, network.InspectOptions{})
	switch {
	case err == nil:
		if n.Labels[driver.LabelManaged] != "1" || n.Labels[driver.LabelApp] != app {
			return fmt.Errorf("preparing app %s: network %s exists and is not berth's", app, name)
		}
		return nil
	case !cerrdefs.IsNotFound(err):
		return fmt.Errorf("inspecting network %s: %w", name, err)
	}
	_, err = d.client.NetworkCreate(ctx, name, network.CreateOptions{
		Driver: "bridge",
		Labels: d.labelsFor(map[string]string{driver.LabelManaged: "1", driver.LabelApp: app}),
	})
	if cerrdefs.IsConflict(err) {
		return nil // created by a concurrent Prepare
	}
	if err != nil {
		return networkCreateError(name, err)
	}
	d.log.Debug("network created", "app", app, "network", name)
	return nil
}

// Release removes the app's network. It is not an error when the
// network is gone already; it is while any container of the app, in
// any state, is left.
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
	name := networkName(app)
	if err := d.client.NetworkRemove(ctx, name); err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("removing network %s: %w", name, err)
	}
	d.log.Debug("network removed", "app", app, "network", name)
	return nil
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
