package docker

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"sync"
	"time"

	"github.com/docker/docker/client"

	"github.com/berth-dev/berth/internal/driver"
)

// Labels of the Docker driver's own, besides driver.Label*.
const (
	// LabelPort holds the container port the proxy reaches
	// (ContainerSpec.Port), so that List and Inspect can rebuild
	// Instance.Addr.
	LabelPort = "berth.port"
	// LabelNetworks holds, on a container, the networks it joined in
	// the order it joined them, as name-in-spec=name-on-host pairs
	// separated by commas; LabelVolumes the same for the volumes it
	// mounts. Describe reads the spec's names back from them.
	LabelNetworks = "berth.networks"
	LabelVolumes  = "berth.volumes"
	// LabelMACs lists, on a container, the networks the spec gave a MAC
	// address on, as name-in-spec=address pairs: the daemon reports a
	// MAC address on every network, set or not.
	LabelMACs = "berth.macs"
	// LabelReservedCPUs holds a container's CPU reservation in
	// billionths of a CPU, which it has as CPU shares.
	LabelReservedCPUs = "berth.reserved-cpus"
	// LabelNetwork and LabelVolume hold, on a network or volume, its
	// name in the spec.
	LabelNetwork = "berth.network"
	LabelVolume  = "berth.volume"
)

// Driver runs berth's containers on one Docker host. It is safe for
// concurrent use.
type Driver struct {
	client *client.Client
	log    *slog.Logger
	labels map[string]string
	auth   func(ctx context.Context, ref string) (string, error)
	// instance is the berth.instance label of everything the driver
	// makes and sees; adopt makes it see objects without that label
	// too, as its own.
	instance string
	adopt    bool
	// env is the berth.env label of everything the driver makes and
	// sees; adoptEnv makes it see objects without that label too, as
	// its own.
	env      string
	adoptEnv bool
	// filesDir holds the secrets and configs of containers, "" when
	// they cannot have any.
	filesDir string
	// filesMu orders writing a container's files and creating it
	// (read-locked) against removing the files of containers that are
	// gone (locked).
	filesMu sync.RWMutex

	mu       sync.Mutex
	prepared map[string]*appObjects // by app: what Prepare made or found
	host     *hostInfo              // what the daemon can do, once known
	// hostErr is why the daemon could not say, at hostErrAt.
	hostErr   error
	hostErrAt time.Time
}

var (
	_ driver.Driver  = (*Driver)(nil)
	_ driver.Refuser = (*Driver)(nil)
)

// Option configures a Driver.
type Option func(*Driver)

// WithLabels adds labels to every network, volume and container the
// driver creates (berth's own labels win over them).
func WithLabels(labels map[string]string) Option {
	return func(d *Driver) { maps.Copy(d.labels, labels) }
}

// WithRegistryAuth gives pulls credentials: auth returns the encoded
// registry auth (as the Engine API's X-Registry-Auth takes it) for an
// image reference, or "" to pull anonymously.
func WithRegistryAuth(auth func(ctx context.Context, ref string) (string, error)) Option {
	return func(d *Driver) { d.auth = auth }
}

// WithInstance makes the driver one berth's among others on the same
// daemon: everything it creates carries the label berth.instance=id
// and has id in its name, and it sees, lists, inspects, stops, removes
// and releases only what carries that label. With adoptUnlabelled,
// berth's objects without any berth.instance label count as its own
// too, and it keeps using them (the network berth-<app>, and volumes
// named without an instance): a data directory that predates instance
// ids then upgrades without downtime or data loss. Without this option
// the driver makes and sees only objects without the label, as berth
// did before.
func WithInstance(id string, adoptUnlabelled bool) Option {
	return func(d *Driver) { d.instance, d.adopt = id, adoptUnlabelled }
}

// WithEnvironment makes the driver one environment's among others on
// the same daemon: everything it creates carries the label
// berth.env=name and has name in its name, and it sees, lists,
// inspects, stops, removes, describes, watches and releases only what
// carries that label, so that the same app can run in two
// environments on one host. With adoptUnlabelled, berth's objects
// without any berth.env label count as its own too, and it keeps using
// the networks and volumes named without an environment (such as the
// network berth-<app>): the environment that inherits a host from
// before environments keeps its running containers and its volumes
// with their data. Without this option the driver makes and sees only objects
// without the label, as berth did before. It combines with
// WithInstance: an object is the driver's when both its labels are.
func WithEnvironment(name string, adoptUnlabelled bool) Option {
	return func(d *Driver) { d.env, d.adoptEnv = name, adoptUnlabelled }
}

// WithFilesDir lets containers have secrets and configs
// (Runtime.Files): the driver writes each file under dir, which must be
// on the Docker host's filesystem (berth's data directory on that
// host), and bind-mounts it read-only into the container. It creates
// dir with mode 0700 if it is missing.
func WithFilesDir(dir string) Option {
	return func(d *Driver) { d.filesDir = dir }
}

// New returns a driver for the daemon the environment names (DOCKER_HOST
// and friends, else the local socket). It does not contact the daemon:
// the first call does, and negotiates the API version then.
func New(log *slog.Logger, opts ...Option) (*Driver, error) {
	d := &Driver{log: log, labels: make(map[string]string), prepared: make(map[string]*appObjects)}
	for _, opt := range opts {
		opt(d)
	}
	if d.instance != "" {
		if err := checkName("instance", d.instance); err != nil {
			return nil, err
		}
	}
	if d.env != "" {
		if err := checkName("environment", d.env); err != nil {
			return nil, err
		}
	}
	if d.filesDir != "" {
		// The daemon bind-mounts files by absolute path.
		abs, err := filepath.Abs(d.filesDir)
		if err != nil {
			return nil, fmt.Errorf("resolving the files directory: %w", err)
		}
		d.filesDir = abs
	}
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("configuring the docker client: %w", err)
	}
	d.client = c
	return d, nil
}

// Close releases the client's connections.
func (d *Driver) Close() error {
	return d.client.Close()
}

// Name returns "docker".
func (d *Driver) Name() string { return "docker" }

// objectLabels returns the labels of an object berth makes: the
// driver's extra labels, then the spec's, then berth's own, and the
// instance and environment labels when the driver has them.
func (d *Driver) objectLabels(spec, own map[string]string) map[string]string {
	labels := maps.Clone(d.labels)
	maps.Copy(labels, spec)
	maps.Copy(labels, own)
	setOrDelete(labels, driver.LabelInstance, d.instance)
	setOrDelete(labels, driver.LabelEnv, d.env)
	return labels
}

// setOrDelete sets labels[key] to value, or deletes it when value is "".
func setOrDelete(labels map[string]string, key, value string) {
	if value != "" {
		labels[key] = value
	} else {
		delete(labels, key)
	}
}

// mine reports whether an object with labels is this driver's: berth's,
// of app when app is not "", of the driver's instance and of its
// environment.
func (d *Driver) mine(labels map[string]string, app string) bool {
	if labels[driver.LabelManaged] != "1" || (app != "" && labels[driver.LabelApp] != app) {
		return false
	}
	return inScope(labels[driver.LabelInstance], d.instance, d.adopt) &&
		inScope(labels[driver.LabelEnv], d.env, d.adoptEnv)
}

// inScope reports whether an object labelled got (an instance or an
// environment, "" when unlabelled) belongs to a driver scoped to want
// that adopts unlabelled objects when adopt is set.
func inScope(got, want string, adopt bool) bool {
	if got != "" {
		return got == want
	}
	return want == "" || adopt
}
