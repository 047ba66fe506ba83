package docker

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/berth-dev/berth/internal/driver"
)

// Watch follows the daemon's events for the driver's containers and
// networks and calls changed with the app of each container that
// stopped, died, was removed or started, and of each network removed
// that the app uses. Containers are the driver's by their labels
// (mine), as everywhere: another instance's or environment's changes
// are not reported. A network's events carry no labels, so a network
// is known by its name among those Prepare made or found: a network
// removed that no app prepared since the driver was made is not
// reported (the deploy engine prepares every app it runs when it
// starts). It returns when ctx ends (nil) or the stream fails.
func (d *Driver) Watch(ctx context.Context, changed func(app string)) error {
	args := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("type", string(events.NetworkEventType)),
	)
	msgs, errs := d.client.Events(ctx, events.ListOptions{Filters: args})
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("following the daemon's events: %w", err)
		case m := <-msgs:
			switch {
			case m.Type == events.NetworkEventType && m.Action == events.ActionDestroy:
				for _, app := range d.appsOnNetwork(m.Actor.Attributes["name"]) {
					changed(app)
				}
			case m.Type == events.ContainerEventType && d.mine(m.Actor.Attributes, "") && m.Actor.Attributes[driver.LabelRun] == "":
				switch m.Action {
				case events.ActionDie, events.ActionStop, events.ActionDestroy, events.ActionStart, events.ActionKill:
					changed(m.Actor.Attributes[driver.LabelApp])
				}
			}
		}
	}
}

// appsOnNetwork returns the apps Prepare gave the network called name
// on the host, in no particular order.
func (d *Driver) appsOnNetwork(name string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var apps []string
	for app, objs := range d.prepared {
		for _, host := range objs.networks {
			if host == name {
				apps = append(apps, app)
				break
			}
		}
	}
	return apps
}
