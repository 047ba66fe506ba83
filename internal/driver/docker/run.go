package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/berth-dev/berth/internal/driver"
)

var _ driver.Runner = (*Driver)(nil)

// Run runs a one-off container to completion (see driver.Runner): in
// the host's network namespace, with spec.Hosts in its /etc/hosts,
// labelled berth's and driver.LabelRun, and removed once it ends.
func (d *Driver) Run(ctx context.Context, spec driver.RunSpec) (driver.RunResult, error) {
	res := driver.RunResult{ExitCode: -1}
	if err := checkRun(spec); err != nil {
		return res, err
	}
	if err := d.Pull(ctx, spec.Image, spec.PullPolicy); err != nil {
		return res, fmt.Errorf("running %s/%s: %w", spec.App, spec.Service, err)
	}
	cfg := &container.Config{
		Image: spec.Image, Cmd: spec.Command, Env: spec.Env,
		Labels: d.objectLabels(nil, map[string]string{
			driver.LabelManaged:  "1",
			driver.LabelApp:      spec.App,
			driver.LabelService:  spec.Service,
			driver.LabelRevision: strconv.Itoa(spec.Revision),
			driver.LabelRun:      driver.RunVerify,
		}),
	}
	host := &container.HostConfig{NetworkMode: "host", ExtraHosts: extraHosts(spec.Hosts)}
	id, name, err := d.createRun(ctx, spec, cfg, host)
	if err != nil {
		return res, err
	}
	// However the run ends, its container goes, even when ctx is what
	// ended it.
	defer d.removeRun(ctx, id, name)
	// Waiting for the next exit is asked before the start, so that a
	// process that exits at once is not missed.
	waitCtx, stopWait := context.WithCancel(ctx)
	defer stopWait()
	exited, waitErr := d.client.ContainerWait(waitCtx, id, container.WaitConditionNextExit)
	if err := d.client.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return res, fmt.Errorf("starting container %s: %w", name, notFound(err))
	}
	d.log.Debug("run started", "app", spec.App, "service", spec.Service, "revision", spec.Revision, "container", name)
	var runErr error
	select {
	case w := <-exited:
		res.ExitCode = int(w.StatusCode)
		if w.Error != nil && w.Error.Message != "" {
			runErr = fmt.Errorf("waiting for container %s: %s", name, w.Error.Message)
		}
	case err := <-waitErr:
		if ctx.Err() != nil {
			runErr = fmt.Errorf("running container %s: %w", name, ctx.Err())
		} else {
			runErr = fmt.Errorf("waiting for container %s: %w", name, err)
		}
		// Killed before its output is read, so that the output is
		// complete.
		d.killRun(ctx, id, name)
	}
	res.Output, res.Truncated = d.runOutput(ctx, id, name)
	return res, runErr
}

// createRun creates the run's container under a name of its own:
// berth-[<env>-]<app>-<service>-verify-r<revision>-<6 random hex
// digits>.
func (d *Driver) createRun(ctx context.Context, spec driver.RunSpec, cfg *container.Config, host *container.HostConfig) (id, name string, err error) {
	for attempt := 1; ; attempt++ {
		var b [3]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		name = fmt.Sprintf("%s%s-%s-%s-r%d-%s", containerPrefix(d.env), spec.App, spec.Service, driver.RunVerify, spec.Revision, hex.EncodeToString(b[:]))
		created, err := d.client.ContainerCreate(ctx, cfg, host, nil, nil, name)
		switch {
		case err == nil:
			for _, w := range created.Warnings {
				d.log.Warn("the daemon warns about a run", "app", spec.App, "container", name, "warning", w)
			}
			return created.ID, name, nil
		case cerrdefs.IsConflict(err) && attempt < 3:
			continue // the random suffix is taken; draw another
		default:
			return "", "", fmt.Errorf("creating container %s: %w", name, d.createError(ctx, spec.Image, err))
		}
	}
}

// killRun kills the run's container, even when ctx has ended.
func (d *Driver) killRun(ctx context.Context, id, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.client.ContainerKill(ctx, id, "KILL"); err != nil && !cerrdefs.IsConflict(err) && !cerrdefs.IsNotFound(err) {
		d.log.Warn("killing a run", "container", name, "err", err)
	}
}

// runOutput reads what the run's container wrote, the last
// driver.MaxRunOutput bytes of it, even when ctx has ended.
func (d *Driver) runOutput(ctx context.Context, id, name string) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	tail := driver.NewTail(driver.MaxRunOutput)
	rc, err := d.client.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		d.log.Warn("reading the output of a run", "container", name, "err", err)
		return nil, false
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(tail, tail, rc); err != nil {
		d.log.Warn("reading the output of a run", "container", name, "err", err)
	}
	return tail.Bytes()
}

// removeRun removes the run's container, even when ctx has ended.
func (d *Driver) removeRun(ctx context.Context, id, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.client.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
		d.log.Warn("removing a run's container", "container", name, "err", err)
	}
}

// SweepRuns removes the run containers of the driver's that are left on
// the host, in any state.
func (d *Driver) SweepRuns(ctx context.Context) error {
	args := filters.NewArgs(filters.Arg("label", driver.LabelManaged+"=1"), filters.Arg("label", driver.LabelRun))
	found, err := d.client.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return fmt.Errorf("listing the runs left: %w", err)
	}
	var errs []error
	for _, c := range found {
		if !d.mine(c.Labels, "") {
			continue
		}
		err := d.client.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing run container %s: %w", c.ID, err))
			continue
		}
		d.log.Info("removed a run left by an earlier berth", "app", c.Labels[driver.LabelApp], "container", c.ID)
	}
	return errors.Join(errs...)
}

// extraHosts writes hosts as the daemon takes them, "name:ip", sorted.
func extraHosts(hosts map[string]string) []string {
	out := make([]string, 0, len(hosts))
	for _, name := range slices.Sorted(maps.Keys(hosts)) {
		out = append(out, name+":"+hosts[name])
	}
	return out
}

func checkRun(spec driver.RunSpec) error {
	if err := checkName("app", spec.App); err != nil {
		return err
	}
	if err := checkName("service", spec.Service); err != nil {
		return err
	}
	if spec.Image == "" {
		return fmt.Errorf("running %s/%s: %w", spec.App, spec.Service, errNoImage)
	}
	for name, ip := range spec.Hosts {
		if name == "" || net.ParseIP(ip) == nil {
			return fmt.Errorf("running %s/%s: host entry %q -> %q: want a name and an IP address", spec.App, spec.Service, name, ip)
		}
	}
	return nil
}
