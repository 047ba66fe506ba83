package driver

import (
	"context"
	"sync"
)

// LabelRun marks a one-off container a Runner started, with what it
// runs for (RunVerify). List never reports such a container, as it is
// no replica; SweepRuns removes the ones a berth that stopped mid-run
// left.
const LabelRun = "berth.run"

// RunVerify is LabelRun's value on a verification job.
const RunVerify = "verify"

// MaxRunOutput is how much of a run's output Run keeps: the last 64 KiB.
const MaxRunOutput = 64 << 10

// RunSpec is a one-off container to run to completion.
type RunSpec struct {
	App     string
	Service string
	// Revision is the revision the run belongs to, for its labels.
	Revision int
	// Image is a reference pinned by digest (repo@sha256:...), pulled
	// under PullPolicy.
	Image      string
	PullPolicy PullPolicy
	// Command is nil for the image's own.
	Command []string
	Env     []string // KEY=VALUE
	// Hosts maps host names to IP addresses the container resolves them
	// to (its /etc/hosts), such as the proxy's address for the host a
	// verification targets.
	Hosts map[string]string
}

// RunResult is how a run ended.
type RunResult struct {
	// ExitCode is the process's exit status; -1 when it did not exit by
	// itself (it was killed when ctx ended, or never started).
	ExitCode int
	// Output is its stdout and stderr together as they came, the last
	// MaxRunOutput bytes of them; Truncated says that earlier bytes were
	// dropped.
	Output    []byte
	Truncated bool
}

// Runner is implemented by drivers that run one-off containers to
// completion beside an app's replicas, such as verification jobs.
//
// Run pulls the image under spec.PullPolicy, starts the container in
// the host's network namespace (so that it reaches what listens on the
// host's loopback, such as berth's edge proxy) with spec.Hosts in its
// /etc/hosts, waits until it exits and returns its exit code and
// output. When ctx ends first, the container is killed and Run returns
// the output so far with an error wrapping ctx.Err(). The container
// carries berth's labels and LabelRun, and is removed once the run
// ends, however it ends. An image that cannot be had wraps ErrImage.
//
// SweepRuns removes every run container of the driver's that is left
// on the host, as a berth that stopped mid-run leaves them; the engine
// calls it when it starts, before any run.
type Runner interface {
	Run(ctx context.Context, spec RunSpec) (RunResult, error)
	SweepRuns(ctx context.Context) error
}

// Tail keeps the last max bytes written to it. It is safe for
// concurrent use.
type Tail struct {
	mu        sync.Mutex
	max       int
	buf       []byte
	truncated bool
}

// NewTail returns a Tail that keeps max bytes.
func NewTail(max int) *Tail { return &Tail{max: max} }

// Write keeps the last bytes of p and what came before it.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		t.truncated = t.truncated || len(t.buf) > 0 || len(p) > t.max
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.truncated = true
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// Bytes returns a copy of what is kept, and whether earlier bytes were
// dropped.
func (t *Tail) Bytes() ([]byte, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...), t.truncated
}
