package docker

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/berth-dev/berth/internal/driver"
)

// Watch follows the daemon's events for berth's containers and networks
// and calls changed with the app of each that stopped, died, was removed
// or started, or "" for a network removed (its events carry no labels).
// It returns when ctx ends (nil) or the stream fails.
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
				changed("")
			case m.Type == events.ContainerEventType && d.mine(m.Actor.Attributes, ""):
				switch m.Action {
				case events.ActionDie, events.ActionStop, events.ActionDestroy, events.ActionStart, events.ActionKill:
					changed(m.Actor.Attributes[driver.LabelApp])
				}
			}
		}
	}
}
