package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// Event is something the driver did, for tests that check the order of
// a rollout's steps.
type Event struct {
	Time      time.Time
	Kind      string // prepare, release, start, exit (by itself), stop, remove, run
	App       string
	Service   string
	Container string
	Revision  int
	Set       string
	// Volumes are the named volumes the container mounts read-write.
	Volumes []string
}

// Events returns what the driver did so far, oldest first.
func (d *Driver) Events() []Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.events)
}

// event records e, at the time now.
func (d *Driver) event(e Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.eventLocked(e)
}

// eventLocked records e and tells the watchers; d.mu is held.
func (d *Driver) eventLocked(e Event) {
	e.Time = time.Now()
	d.events = append(d.events, e)
	for w := range d.watchers {
		select {
		case w <- e.App:
		default: // a watcher that cannot keep up hears of the next one
		}
	}
}

// Watch calls changed with the app of every container that starts,
// exits, stops or is removed, until ctx ends.
func (d *Driver) Watch(ctx context.Context, changed func(app string)) error {
	w := make(chan string, 64)
	d.mu.Lock()
	d.watchers[w] = struct{}{}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.watchers, w)
		d.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case app := <-w:
			changed(app)
		}
	}
}

func volumesOf(spec driver.ContainerSpec) []string {
	var out []string
	for _, m := range spec.Runtime.Mounts {
		if m.Type == driver.MountVolume && !m.ReadOnly {
			out = append(out, m.Source)
		}
	}
	return out
}

func sortInstances(out []driver.Instance) {
	slices.SortFunc(out, func(a, b driver.Instance) int {
		return cmp.Or(cmp.Compare(a.App, b.App), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Revision, b.Revision), cmp.Compare(a.Set, b.Set),
			cmp.Compare(a.Index, b.Index), cmp.Compare(a.Name, b.Name))
	})
}

// checkSpec refuses what the Docker driver refuses, and the keys this
// driver neither applies nor records.
func (d *Driver) checkSpec(spec driver.ContainerSpec) error {
	for _, n := range []struct{ what, name string }{{"app", spec.App}, {"service", spec.Service}, {"set", spec.Set}} {
		if n.name == "" && n.what == "set" {
			continue
		}
		if err := checkName(n.what, n.name); err != nil {
			return fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, err)
		}
	}
	switch {
	case spec.Image == "":
		return fmt.Errorf("starting %s/%s: no image", spec.App, spec.Service)
	case spec.Revision < 0 || spec.Index < 0:
		return fmt.Errorf("starting %s/%s: negative revision or index", spec.App, spec.Service)
	case spec.Port < 0 || spec.Port > 65535:
		return fmt.Errorf("starting %s/%s: port %d out of range", spec.App, spec.Service, spec.Port)
	}
	keys := spec.Runtime.Keys()
	if spec.Health != nil && spec.Health.StartInterval > 0 {
		keys = append(keys, "healthcheck.start_interval")
	}
	var refused []string
	for _, key := range keys {
		if d.Refuses(key) != "" {
			refused = append(refused, key)
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("starting %s/%s: %s", spec.App, spec.Service, d.Refuses(strings.Join(refused, ", ")))
	}
	return nil
}
