package spec

import (
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/imagepolicy"
)

// App is a parsed, validated app spec with every default applied.
type App struct {
	Name string
	// File is the path the spec came from, as given to Load or Parse.
	File string
	// Hash is "sha256:" and the hex SHA-256 of the App's canonical form
	// (File and Hash left out): it changes when what berth would deploy
	// changes, and only then; comments, formatting, key order, the
	// way a value is written and image policies do not count.
	Hash     string
	Services []Service // sorted by name
	// Resources are the app's networks, the default one always among
	// them, and its named volumes, sorted by name.
	Resources driver.AppResources `json:",omitzero"`
}

// Service is one Compose service and how berth rolls it out.
type Service struct {
	Name string
	// Image is the reference as written, tag or digest; the engine
	// resolves it to a digest.
	Image      string
	PullPolicy driver.PullPolicy
	Replicas   int
	// Command and Entrypoint are nil when the spec leaves the image's
	// own; an empty, non-nil Entrypoint clears the image's.
	Command    []string
	Entrypoint []string
	Env        []string // KEY=VALUE, sorted by key
	Labels     map[string]string
	StopGrace  time.Duration
	// Healthcheck is the Compose healthcheck, nil when none is set or it
	// is disabled (test: [NONE] or disable: true). An empty Test keeps
	// the image's test with these timings.
	Healthcheck *driver.Healthcheck
	Update      UpdateConfig
	Rollback    UpdateConfig
	// Route is where the edge proxy sends traffic; nil for a worker.
	Route *Route
	// Health is the proxy's HTTP check; zero without a Route.
	Health   HTTPHealth
	Strategy Strategy
	// Canary is the canary's steps, ending at weight 100; nil for the
	// other strategies.
	Canary []CanaryStep
	// Analysis is judged on the proxy's view of a routed service; zero
	// without a Route.
	Analysis Analysis
	// KeepPrevious is how long blue-green keeps the old set running
	// after the switch; zero for the other strategies.
	KeepPrevious time.Duration
	// Confirm makes a blue-green rollout wait for `berth rollout promote`
	// before it switches traffic; false for the other strategies.
	Confirm bool
	// ReadyAfter is how long a container with neither a route nor a
	// healthcheck must stay running to count as ready.
	ReadyAfter time.Duration

	// Runtime is everything else the service says about its
	// containers, as docker compose would apply it.
	Runtime driver.Runtime `json:",omitzero"`
	// DependsOn lists the services this one waits for, sorted by name.
	DependsOn []Dependency `json:",omitempty"`
	// SharedVolumes (x-berth.shared_volumes) says the service's
	// containers may write to its named volumes side by side: two
	// replicas, or two revisions during a rollout.
	SharedVolumes bool `json:",omitempty"`
	// Cluster holds what only a driver that places containers on
	// several nodes applies; the others refuse it (driver.Refuser).
	Cluster Cluster `json:",omitzero"`
	// ImagePolicy (x-berth.update) chooses which tag of the image's
	// repository the service runs: berth writes a tag it prefers into
	// the image in the spec's file (SetImage), then deploys that. nil
	// without one. It says what to run next, not how to run it, so
	// Service.ConfigDigest and App.Hash leave it out: a change of the
	// policy alone rolls nothing.
	ImagePolicy *imagepolicy.Policy `json:",omitempty"`
	// Verify (x-berth.verify) is the job that checks a new version
	// through the proxy once it is healthy; nil without one. It changes
	// no container, so Service.ConfigDigest leaves it out.
	Verify *Verify `json:",omitempty"`
	// Keys are the Compose key paths below the service that the spec
	// sets ("user", "deploy.resources.limits.memory"), sorted: what
	// the engine asks a driver.Refuser about before a rollout.
	Keys []string `json:"-"`
}

// Cluster is what a Compose service says about placing its replicas on
// the nodes of a cluster.
type Cluster struct {
	// Constraints and Preferences are deploy.placement's ("node.role ==
	// worker"; a preference is the label to spread over).
	Constraints        []string `json:",omitempty"`
	Preferences        []string `json:",omitempty"`
	MaxReplicasPerNode uint64   `json:",omitempty"`
	EndpointMode       string   `json:",omitempty"` // vip or dnsrr
	// Labels are deploy.labels: on the cluster's service object, not on
	// the containers.
	Labels map[string]string `json:",omitempty"`
	// GenericResources are deploy.resources.reservations.
	// generic_resources: kind to count.
	GenericResources map[string]int64 `json:",omitempty"`
}

// Dependency is one entry of depends_on.
type Dependency struct {
	Service   string
	Condition Condition
	// Required false lets the service start when the dependency is not
	// part of the app (left out by profiles).
	Required bool
	// Restart restarts this service when the dependency is updated.
	Restart bool
}

// Condition is what a service waits for in a dependency.
type Condition string

const (
	ConditionStarted   Condition = "service_started"
	ConditionHealthy   Condition = "service_healthy"
	ConditionCompleted Condition = "service_completed_successfully"
)

// UpdateConfig is Compose's deploy.update_config (or rollback_config)
// with berth's defaults.
type UpdateConfig struct {
	// Parallelism is the batch size, 1 up to Replicas (at least 1);
	// Compose's 0, all at once, becomes Replicas.
	Parallelism int
	Delay       time.Duration // between batches
	Order       Order
	// OrderSet says the spec wrote Order; otherwise it is berth's
	// default, which is stop-first for a service that must not run two
	// containers at once (see doc.go) and start-first for the others.
	OrderSet bool `json:"-"`
	// FailureAction is what a failed batch leads to. A rollback cannot
	// itself roll back, so Rollback.FailureAction is pause or continue.
	FailureAction FailureAction
	// Monitor is how long each batch is watched after it goes live.
	Monitor time.Duration
	// MaxFailureRatio is the share of replicas that may fail, 0 to 1.
	MaxFailureRatio float64
}

// Route sends a host's traffic to a container port.
type Route struct {
	Host string // a lowercase DNS name
	Port int    // 1-65535
}

// HTTPHealth is how the proxy checks a routed container: a GET of Path
// answered with 2xx or 3xx within Timeout, every Interval.
type HTTPHealth struct {
	Path               string
	Interval           time.Duration
	Timeout            time.Duration
	HealthyThreshold   int // successes in a row to become healthy
	UnhealthyThreshold int // failures in a row to become unhealthy
}

// CanaryStep sends Weight percent of traffic to the new set, then waits
// Pause (judging Analysis meanwhile), or for a promote when Manual.
// With Verify, the service's verification job runs first.
type CanaryStep struct {
	Weight int // 1-100, increasing from step to step
	Pause  time.Duration
	Manual bool
	Verify bool `json:",omitempty"`
}

// Analysis is when a rollout is judged failed: more than MaxErrorRate of
// the new set's responses were 5xx over Window, once it has served at
// least MinRequests there.
type Analysis struct {
	MaxErrorRate float64 // 0 to 1
	MinRequests  int
	Window       time.Duration
}

// Strategy is how a new version replaces the old.
type Strategy string

const (
	StrategyRolling   Strategy = "rolling"    // replace in batches
	StrategyBlueGreen Strategy = "blue-green" // start all, switch at once
	StrategyCanary    Strategy = "canary"     // shift traffic in steps
)

// Order is whether a batch's new containers start before the old stop.
type Order string

const (
	OrderStartFirst Order = "start-first"
	OrderStopFirst  Order = "stop-first"
)

// FailureAction is what a failed update does next.
type FailureAction string

const (
	FailureRollback FailureAction = "rollback"
	FailurePause    FailureAction = "pause"
	FailureContinue FailureAction = "continue"
)
