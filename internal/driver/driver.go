package driver

import (
	"context"
	"errors"
	"io"
	"time"
)

// Labels berth puts on every container and network it creates.
const (
	LabelManaged  = "berth.managed" // always "1"
	LabelApp      = "berth.app"
	LabelService  = "berth.service"
	LabelRevision = "berth.revision" // decimal revision number
	LabelSet      = "berth.set"      // the replica set: "blue", "green", "canary"...
	LabelIndex    = "berth.index"    // decimal replica index within the set
	// LabelInstance names the berth that made the object, so that two
	// berths sharing a host never touch each other's.
	LabelInstance = "berth.instance"
	// LabelEnv names the environment an object belongs to; objects
	// without it belong to the environment that adopts them.
	LabelEnv = "berth.env"
)

// PullPolicy says when the image is pulled before a container starts.
type PullPolicy string

const (
	PullAlways  PullPolicy = "always"  // pull every time
	PullMissing PullPolicy = "missing" // pull only if the host lacks it (IfNotPresent)
	PullNever   PullPolicy = "never"   // never pull; the host must have it
)

var (
	// ErrNotFound reports a container or network that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrImage reports an image that cannot be had: not in the registry,
	// or absent under PullNever.
	ErrImage = errors.New("image unavailable")
)

// ContainerSpec is one replica to run.
type ContainerSpec struct {
	App      string
	Service  string
	Revision int
	Set      string
	Index    int

	// Image is a reference pinned by digest (repo@sha256:...).
	Image      string
	PullPolicy PullPolicy
	Entrypoint []string
	Command    []string
	Env        []string          // KEY=VALUE
	Labels     map[string]string // the user's labels; berth's own are added
	// Port is the container port the proxy sends traffic to; 0 for none.
	Port int
	// Health is the container's own health check, for services the proxy
	// does not route to; nil means the image's, if any.
	Health *Healthcheck
	// StopGrace is how long a stop waits after the stop signal before
	// SIGKILL.
	StopGrace time.Duration
	// Runtime is the rest of what the service says about its containers.
	Runtime Runtime
}

// Healthcheck is a command the runtime runs inside the container.
type Healthcheck struct {
	Test        []string // as in Compose: ["CMD", ...] or ["CMD-SHELL", "..."]
	Interval    time.Duration
	Timeout     time.Duration
	Retries     int
	StartPeriod time.Duration
	// StartInterval is how often the test runs during StartPeriod; 0 is
	// the daemon's default.
	StartInterval time.Duration `json:",omitempty"`
}

// Instance is a container berth manages, as the host reports it.
type Instance struct {
	ID       string
	Name     string
	App      string
	Service  string
	Revision int
	Set      string
	Index    int
	Image    string
	// Addr is host:port where the proxy reaches Port, "" without a port.
	Addr string
	// State is created, running, restarting, paused, exited or dead.
	State string
	// Health is none, starting, healthy or unhealthy (the runtime's check).
	Health    string
	ExitCode  int
	StartedAt time.Time
	// Labels are the container's labels as the host reports them:
	// berth's own, the spec's and the image's.
	Labels map[string]string
}

// Running reports whether the container is up.
func (i Instance) Running() bool { return i.State == "running" }

// Alive reports whether the container runs or the host is restarting
// it under its restart policy.
func (i Instance) Alive() bool { return i.State == "running" || i.State == "restarting" }

// LogOptions select a container's logs.
type LogOptions struct {
	Follow bool
	Tail   int       // last lines only; 0 means all
	Since  time.Time // zero means from the start
}

// Driver runs containers for the deploy engine.
type Driver interface {
	// Name identifies the driver ("docker", "swarm", "kubernetes").
	Name() string
	// Prepare makes what the app's containers share, its networks and
	// named volumes, and leaves what exists as it is. It may be called
	// again with more: a later revision may add a network or a volume.
	Prepare(ctx context.Context, app string, res AppResources) error
	// Release removes the app's networks once no container is left, and
	// its own volumes when opts.Volumes is set.
	Release(ctx context.Context, app string, opts ReleaseOptions) error
	// Pull makes image available under policy.
	Pull(ctx context.Context, image string, policy PullPolicy) error
	// Start creates and starts a container and returns it running, with
	// its Addr set when spec.Port is.
	Start(ctx context.Context, spec ContainerSpec) (Instance, error)
	// Stop sends SIGTERM, waits up to grace, then kills.
	Stop(ctx context.Context, id string, grace time.Duration) error
	// Remove deletes a container, stopping it first if needed.
	Remove(ctx context.Context, id string) error
	// List returns the containers berth manages for app ("" for all).
	List(ctx context.Context, app string) ([]Instance, error)
	// Inspect returns one container.
	Inspect(ctx context.Context, id string) (Instance, error)
	// Describe returns the Runtime of a container as the host applied
	// it (files without their content), for status and drift checks.
	Describe(ctx context.Context, id string) (Runtime, error)
	// Logs writes a container's output to w.
	Logs(ctx context.Context, id string, opts LogOptions, w io.Writer) error
}

// Refuser is implemented by drivers that cannot apply every Compose key.
// Refuses returns why the driver does not apply the service key at path
// (Compose's own key path below the service, such as "devices" or
// "deploy.resources.reservations.devices"), or "" when it does. The
// engine asks before a rollout, so a spec is refused, never half
// applied.
type Refuser interface {
	Refuses(path string) string
}

// Watcher is implemented by drivers that say at once when something of
// berth's changes on the host (a container stopped, removed or started,
// a network removed), so that the engine corrects it without waiting
// for its next periodic check. Watch calls changed with the app
// concerned, "" when it cannot tell, until ctx ends or the host's event
// stream fails.
type Watcher interface {
	Watch(ctx context.Context, changed func(app string)) error
}
