package memory

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/driver"
)

// Options configure a Driver.
type Options struct {
	// Labels go on every container the driver starts, under berth's own.
	Labels map[string]string
	// Record lists Compose service keys (such as "volumes" or "ports")
	// the driver accepts and records without applying them.
	Record []string
}

// Driver runs containers as goroutines. It is safe for concurrent use.
type Driver struct {
	reg  *Registry
	log  *slog.Logger
	opts Options

	mu      sync.Mutex
	host    map[string]*Image // pulled images by reference
	apps    map[string]driver.AppResources
	volumes map[string]bool // app/volume, the app's own volumes
	ctrs    map[string]*container
	nextID  int
	events  []Event
}

var (
	_ driver.Driver  = (*Driver)(nil)
	_ driver.Refuser = (*Driver)(nil)
)

// New returns a driver that pulls from reg.
func New(reg *Registry, log *slog.Logger, opts Options) *Driver {
	return &Driver{
		reg: reg, log: log, opts: opts,
		host:    map[string]*Image{},
		apps:    map[string]driver.AppResources{},
		volumes: map[string]bool{},
		ctrs:    map[string]*container{},
	}
}

// Name returns "memory", or "memory (recording ...)" when it records
// keys it does not apply.
func (d *Driver) Name() string {
	if len(d.opts.Record) == 0 {
		return "memory"
	}
	return "memory (recording " + strings.Join(d.opts.Record, ", ") + ")"
}

// applied are the service keys the driver applies: what the engine
// itself does with a spec, and the few container settings a program
// can have.
var applied = []string{
	"image", "pull_policy", "command", "entrypoint", "environment", "env_file",
	"labels", "healthcheck", "stop_grace_period", "stop_signal", "restart",
	"scale", "profiles", "depends_on", "deploy.replicas", "deploy.mode",
	"deploy.update_config", "deploy.rollback_config", "deploy.restart_policy",
	"x-berth",
}

// Refuses says why the driver does not apply the service key at path.
func (d *Driver) Refuses(path string) string {
	// A key is applied when it is one of those keys, below one, or a
	// mapping that holds one (deploy holds deploy.replicas).
	covers := func(key string) bool {
		return path == key || strings.HasPrefix(path, key+".") || strings.HasPrefix(key, path+".")
	}
	if slices.ContainsFunc(applied, covers) || slices.ContainsFunc(d.opts.Record, covers) {
		return ""
	}
	return fmt.Sprintf("the %s driver runs programs inside berth's process, without a filesystem, users, "+
		"published ports or kernel limits to apply %s with", d.Name(), path)
}

// Prepare records the app's networks and volumes.
func (d *Driver) Prepare(ctx context.Context, app string, res driver.AppResources) error {
	if err := checkName("app", app); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cur := d.apps[app]
	for _, n := range res.Networks {
		if !slices.ContainsFunc(cur.Networks, func(x driver.Network) bool { return x.Name == n.Name }) {
			cur.Networks = append(cur.Networks, n)
		}
	}
	for _, v := range res.Volumes {
		if v.External == "" {
			d.volumes[app+"/"+v.Name] = true
		}
	}
	d.apps[app] = cur
	d.eventLocked(Event{Kind: "prepare", App: app})
	return nil
}

// Release forgets the app's networks once no container is left, and its
// volumes when asked.
func (d *Driver) Release(ctx context.Context, app string, opts driver.ReleaseOptions) error {
	if err := checkName("app", app); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var left []string
	for _, c := range d.ctrs {
		if c.inst.App == app {
			left = append(left, c.inst.Name)
		}
	}
	if len(left) > 0 {
		slices.Sort(left)
		return fmt.Errorf("releasing app %s: %d containers are left: %s", app, len(left), strings.Join(left, ", "))
	}
	delete(d.apps, app)
	if opts.Volumes {
		for k := range maps.Clone(d.volumes) {
			if strings.HasPrefix(k, app+"/") {
				delete(d.volumes, k)
			}
		}
	}
	d.eventLocked(Event{Kind: "release", App: app})
	return nil
}

// Volumes lists the app's own volumes the driver holds.
func (d *Driver) Volumes(app string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for k := range d.volumes {
		if name, ok := strings.CutPrefix(k, app+"/"); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Pull makes ref available under policy.
func (d *Driver) Pull(ctx context.Context, ref string, policy driver.PullPolicy) error {
	if ref == "" {
		return fmt.Errorf("pulling image: %w: no image", driver.ErrImage)
	}
	d.mu.Lock()
	_, present := d.host[ref]
	d.mu.Unlock()
	switch policy {
	case driver.PullAlways:
	case driver.PullMissing, driver.PullNever, "":
		if present {
			return nil
		}
		if policy == driver.PullNever {
			return fmt.Errorf("%w: %s is not on the host and the pull policy is never", driver.ErrImage, ref)
		}
	default:
		return fmt.Errorf("pulling image %s: unknown pull policy %q", ref, policy)
	}
	img, err := d.reg.pull(ref)
	if err != nil {
		return fmt.Errorf("pulling image %s: %w", ref, err)
	}
	d.mu.Lock()
	d.host[ref] = img
	d.mu.Unlock()
	return nil
}

// checkName refuses names a container name could not hold.
func checkName(what, name string) error {
	if name == "" || strings.ContainsAny(name, "/ \t\n") || strings.HasPrefix(name, "-") {
		return fmt.Errorf("invalid %s name %q", what, name)
	}
	return nil
}
