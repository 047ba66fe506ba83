package deploy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/spec"
)

// Where a verification job runs in a rollout, as VerifyRun.At says it.
const (
	verifyBeforeSwitch = "before the switch"
	verifyAfterLast    = "after the last batch"
	verifyFirst        = "once the first version took the traffic"
)

// verifyAtStep is where a canary's verification job runs.
func verifyAtStep(weight int) string { return fmt.Sprintf("at the %d%% step", weight) }

// resolveVerify refuses a spec with a verification job the engine
// cannot run, and pins each job's image to a digest, as the services'
// are; file and data place a problem in the spec. A job whose image is
// in pinned under the same reference runs that digest.
func (e *Engine) resolveVerify(ctx context.Context, file string, data []byte, app *spec.App, pinned map[string]ServiceImage) (map[string]ServiceImage, error) {
	var images map[string]ServiceImage
	for _, svc := range app.Services {
		if svc.Verify == nil {
			continue
		}
		path := []string{"services", svc.Name, "x-berth", "verify"}
		if why := e.cannotVerify(); why != "" {
			return nil, fmt.Errorf("%w: %w", ErrSpec, spec.At(file, data, path, why))
		}
		img, ok := pinned[svc.Name]
		var err error
		if !ok || img.Ref != svc.Verify.Image {
			img, err = e.resolver.Resolve(ctx, svc.Verify.Image)
		}
		if err != nil {
			at := spec.At(file, data, append(path, "image"), fmt.Sprintf("%s: %v", svc.Verify.Image, err))
			return nil, fmt.Errorf("%w: %w", ErrSpec, at)
		}
		if images == nil {
			images = map[string]ServiceImage{}
		}
		images[svc.Name] = img
	}
	return images, nil
}

// cannotVerify says why the engine cannot run verification jobs, ""
// when it can.
func (e *Engine) cannotVerify() string {
	if _, ok := e.driver.(driver.Runner); !ok {
		return fmt.Sprintf("the %s driver cannot run verification jobs", e.driver.Name())
	}
	if e.opts.ProxyAddr == "" {
		return "this berth has no proxy address for verification jobs to reach the new version through"
	}
	return ""
}

// sweepRuns removes the verification jobs a berth that stopped mid-run
// left on the host.
func (e *Engine) sweepRuns(ctx context.Context) {
	if r, ok := e.driver.(driver.Runner); ok {
		if err := r.SweepRuns(ctx); err != nil {
			e.log.Warn("removing the verification jobs left by the last run", "err", err)
		}
	}
}

// proxyTarget is the IP address and port a verification job reaches
// the proxy at.
func (e *Engine) proxyTarget(ctx context.Context) (ip, port string, err error) {
	host, port, err := net.SplitHostPort(e.opts.ProxyAddr)
	if err != nil {
		return "", "", fmt.Errorf("the proxy address %q: %w", e.opts.ProxyAddr, err)
	}
	if host == "" {
		return "127.0.0.1", port, nil
	}
	if a := net.ParseIP(host); a != nil {
		if a.IsUnspecified() {
			return "127.0.0.1", port, nil
		}
		return a.String(), port, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return "", "", fmt.Errorf("resolving the proxy's host %s: %v", host, err)
	}
	return addrs[0].IP.String(), port, nil
}

// verify runs the service's verification job, if it has one, against
// the new version on host, at the point of the rollout at says, and
// applies cfg's failure action when it fails: nil to go on.
func (s *svcRollout) verify(ctx context.Context, at, host string, cfg spec.UpdateConfig) error {
	if s.svc.Verify == nil {
		return nil
	}
	err := s.runVerify(ctx, at, host)
	if err == nil || errors.Is(err, errAborted) || ctx.Err() != nil {
		return err
	}
	return s.failureAction(ctx, cfg, err)
}

// runVerify runs the job once and records the run with the revision.
// An abort stops it; a promote meanwhile is kept for what comes after.
func (s *svcRollout) runVerify(ctx context.Context, at, host string) error {
	e, job := s.ro.e, s.svc.Verify
	img, ok := s.ro.rev.VerifyImages[s.name]
	if !ok {
		// A revision from before berth kept the job's image.
		img = ServiceImage{Ref: job.Image, Image: job.Image}
	}
	run := VerifyRun{Service: s.name, Image: img.Image, At: at, Started: e.now(), ExitCode: -1}
	r, runs := e.driver.(driver.Runner)
	ip, port, err := e.proxyTarget(ctx)
	switch why := e.cannotVerify(); {
	case why != "" && s.ro.rev.RollbackOf != 0:
		s.ro.event(s.name, nil, "not verifying %s: %s", at, why)
		return nil
	case why != "" || !runs:
		err = errors.New(why)
	}
	if err != nil {
		return s.verified(run, err)
	}
	url := "http://" + net.JoinHostPort(host, port) + "/"
	s.ro.event(s.name, nil, "verifying %s: running %s (%s) against %s", at, img.Ref, shortDigest(img.Digest), url)
	runCtx, cancel := context.WithTimeout(ctx, job.Timeout)
	defer cancel()
	type outcome struct {
		res driver.RunResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := r.Run(runCtx, driver.RunSpec{
			App: s.ro.rev.App, Service: s.name, Revision: s.ro.rev.Number,
			Image: img.Image, PullPolicy: s.svc.PullPolicy, Command: job.Command,
			Env:   append(slices.Clone(job.Env), spec.TargetURLVar+"="+url),
			Hosts: map[string]string{host: ip},
		})
		done <- outcome{res, err}
	}()
	promoted := false
	defer func() {
		if promoted {
			select {
			case s.ro.control <- cmdPromote:
			default:
			}
		}
	}()
	for {
		select {
		case o := <-done:
			run.ExitCode = o.res.ExitCode
			run.Output = string(o.res.Output)
			if o.res.Truncated {
				run.Output = "[earlier output cut]\n" + run.Output
			}
			switch err := o.err; {
			case err != nil && ctx.Err() != nil:
				return ctx.Err()
			case err != nil && errors.Is(err, context.DeadlineExceeded):
				return s.verified(run, fmt.Errorf("it did not finish within its timeout of %s", job.Timeout))
			case err != nil:
				return s.verified(run, err)
			case o.res.ExitCode != 0:
				return s.verified(run, fmt.Errorf("exit code %d", o.res.ExitCode))
			}
			return s.verified(run, nil)
		case c := <-s.ro.control:
			if c == cmdPromote {
				promoted = true
				continue
			}
			cancel()
			<-done
			return errAborted
		}
	}
}

// verified records a run that ended, passed when failure is nil, and
// returns why the rollout fails, nil when it passed.
func (s *svcRollout) verified(run VerifyRun, failure error) error {
	run.Finished = s.ro.e.now()
	run.Passed = failure == nil
	if failure != nil {
		run.Error = failure.Error()
		if run.ExitCode > 0 && failure.Error() == fmt.Sprintf("exit code %d", run.ExitCode) {
			run.Error = "" // the exit code says it all
		}
	}
	s.ro.mu.Lock()
	s.ro.rev.Verify = append(slices.Clip(s.ro.rev.Verify), run)
	s.ro.mu.Unlock()
	took := run.Finished.Sub(run.Started).Round(100 * time.Millisecond)
	if failure == nil {
		s.ro.event(s.name, nil, "verification passed %s: exit code 0 after %s", run.At, took)
		return nil
	}
	s.ro.event(s.name, nil, "verification failed %s: %v after %s%s", run.At, failure, took, lastLines(run.Output, 5))
	return fmt.Errorf("the verification job failed %s: %w", run.At, failure)
}

// lastLines returns the last n lines of out for a message, "" when out
// is empty.
func lastLines(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return "; its last lines:\n" + strings.Join(lines, "\n")
}
