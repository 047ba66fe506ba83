package memory

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/driver"
)

// Options configure a Driver.
type Options struct {
	// Host is the host the driver runs containers on; drivers given one
	// Host see the same images, containers, networks and volumes, as
	// two Docker clients of one daemon do. Nil means a host of its own.
	Host *Host
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
	*Host
}

// Host is what drivers share: the images pulled, the containers, the
// apps' networks and volumes, and the external networks and volumes
// that exist without berth.
type Host struct {
	mu        sync.Mutex
	images    map[string]*Image // pulled, by reference
	apps      map[string]driver.AppResources
	volumes   map[string]bool // app/volume: the app's own volumes
	externals map[string]bool // names of external networks and volumes
	ctrs      map[string]*container
	nextID    int
	// idPrefix starts the IDs of the host's containers: IDs are unique
	// across hosts, as a daemon's are, so that a proxy in front of
	// several never mixes up their backends.
	idPrefix string
	events   []Event
	watchers map[chan string]struct{}
	runs     []driver.RunSpec // what Run ran, oldest first
}

// NewHost returns an empty host.
func NewHost() *Host {
	return &Host{
		images:    map[string]*Image{},
		apps:      map[string]driver.AppResources{},
		volumes:   map[string]bool{},
		externals: map[string]bool{},
		ctrs:      map[string]*container{},
		watchers:  map[chan string]struct{}{},
		idPrefix:  fmt.Sprintf("%016x", rand.Uint64()),
	}
}

// AddExternal makes a network or volume that berth did not create, for
// an app to use as external.
func (h *Host) AddExternal(name string) {
	h.mu.Lock()
	h.externals[name] = true
	h.mu.Unlock()
}

var (
	_ driver.Driver  = (*Driver)(nil)
	_ driver.Refuser = (*Driver)(nil)
	_ driver.Watcher = (*Driver)(nil)
)

// New returns a driver that pulls from reg.
func New(reg *Registry, log *slog.Logger, opts Options) *Driver {
	h := opts.Host
	if h == nil {
		h = NewHost()
	}
	return &Driver{reg: reg, log: log, opts: opts, Host: h}
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
// itself does with a spec, and the one container setting a program
// can have, its restart policy. notApplied are keys below them that it
// does not.
var (
	applied = []string{
		"image", "pull_policy", "command", "entrypoint", "environment", "env_file", "label_file",
		"labels", "healthcheck", "stop_grace_period", "restart", "scale", "profiles", "depends_on",
		"deploy.replicas", "deploy.mode", "deploy.update_config", "deploy.rollback_config",
		"deploy.restart_policy", "x-berth",
	}
	notApplied = []string{"healthcheck.start_interval", "deploy.restart_policy.delay", "deploy.restart_policy.window"}
)

// Refuses says why the driver does not apply the service key at path.
func (d *Driver) Refuses(path string) string {
	// A key is applied when it is one of those keys, below one, or a
	// mapping that holds one (deploy holds deploy.replicas).
	covers := func(key string) bool {
		return path == key || strings.HasPrefix(path, key+".") || strings.HasPrefix(key, path+".")
	}
	below := func(key string) bool { return path == key || strings.HasPrefix(path, key+".") }
	if slices.ContainsFunc(d.opts.Record, covers) ||
		(slices.ContainsFunc(applied, covers) && !slices.ContainsFunc(notApplied, below)) {
		return ""
	}
	return fmt.Sprintf("the %s driver runs programs inside berth's process, without a filesystem, users, "+
		"networks, published ports or kernel limits to apply %s with", d.Name(), path)
}

// Prepare records the app's networks and volumes. An external one the
// host lacks fails with driver.ErrNotFound.
func (d *Driver) Prepare(ctx context.Context, app string, res driver.AppResources) error {
	if err := checkName("app", app); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range res.Networks {
		if n.External != "" && !d.externals[n.External] {
			return fmt.Errorf("preparing app %s: external network %s: %w", app, n.External, driver.ErrNotFound)
		}
	}
	for _, v := range res.Volumes {
		if v.External != "" && !d.externals[v.External] {
			return fmt.Errorf("preparing app %s: external volume %s: %w", app, v.External, driver.ErrNotFound)
		}
	}
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
	_, present := d.images[ref]
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
	d.images[ref] = img
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
