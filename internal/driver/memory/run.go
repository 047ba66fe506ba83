package memory

import (
	"context"
	"fmt"
	"net"
	"slices"

	"github.com/berth-dev/berth/internal/driver"
)

var _ driver.Runner = (*Driver)(nil)

// Run runs the image's program to completion as a one-off container
// (see driver.Runner): in berth's process, whose network is the host's,
// with spec.Hosts for Process.DialContext. It is never listed; Runs
// returns what ran. When ctx ends first, the program gets its stop
// signal and Run returns at once, as the container is killed.
func (d *Driver) Run(ctx context.Context, spec driver.RunSpec) (driver.RunResult, error) {
	res := driver.RunResult{ExitCode: -1}
	for _, n := range []struct{ what, name string }{{"app", spec.App}, {"service", spec.Service}} {
		if err := checkName(n.what, n.name); err != nil {
			return res, fmt.Errorf("running %s/%s: %w", spec.App, spec.Service, err)
		}
	}
	if err := d.Pull(ctx, spec.Image, spec.PullPolicy); err != nil {
		return res, fmt.Errorf("running %s/%s: %w", spec.App, spec.Service, err)
	}
	d.mu.Lock()
	img := d.images[spec.Image]
	d.runs = append(d.runs, spec)
	d.eventLocked(Event{Kind: "run", App: spec.App, Service: spec.Service, Revision: spec.Revision})
	d.mu.Unlock()
	args := append(slices.Clone(img.Entrypoint), orDefault(spec.Command, img.Cmd)...)
	if len(args) == 0 || args[0] != img.Path {
		return res, fmt.Errorf("running %s/%s: exec %q: no such file or directory", spec.App, spec.Service, first(args))
	}
	out := driver.NewTail(driver.MaxRunOutput)
	p := &Process{
		Args: args, Env: append(slices.Clone(img.Env), spec.Env...), IP: "127.0.0.1",
		Stdout: out, Hosts: spec.Hosts, conns: newConns(),
	}
	progCtx, stop := context.WithCancel(context.Background())
	defer stop()
	exited := make(chan int, 1)
	go func() { exited <- img.Program(progCtx, p) }()
	var err error
	select {
	case res.ExitCode = <-exited:
	case <-ctx.Done():
		stop()
		p.conns.kill()
		err = fmt.Errorf("running %s/%s: %w", spec.App, spec.Service, ctx.Err())
	}
	res.Output, res.Truncated = out.Bytes()
	return res, err
}

// SweepRuns has nothing to do: a run ends with Run.
func (d *Driver) SweepRuns(context.Context) error { return nil }

// Runs returns the runs started so far, oldest first.
func (d *Driver) Runs() []driver.RunSpec {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.runs)
}

// DialContext dials addr as the container would: a host name among
// Hosts is its address there.
func (p *Process) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip, ok := p.Hosts[host]; ok {
			addr = net.JoinHostPort(ip, port)
		}
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: conn, conns: p.conns}
	if !p.conns.add(tc) {
		conn.Close()
		return nil, fmt.Errorf("dialing %s: the container was killed", addr)
	}
	return tc, nil
}
