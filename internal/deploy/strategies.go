package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-dev/berth/internal/spec"
)

// run rolls the service with its strategy.
func (s *svcRollout) run(ctx context.Context) error {
	if err := s.pull(ctx); err != nil {
		return err
	}
	if isJob(s.ro.app, s.name) {
		return s.runJob(ctx)
	}
	rollback := s.ro.rev.RollbackOf != 0
	switched := s.routed() && string(s.svc.Strategy) != "rolling"
	switch {
	case switched && len(s.old) == 0:
		return s.first(ctx)
	case switched && rollback:
		return s.switchBack(ctx)
	case s.routed() && string(s.svc.Strategy) == "blue-green":
		return s.blueGreen(ctx)
	case s.routed() && string(s.svc.Strategy) == "canary":
		return s.canary(ctx)
	case rollback:
		return s.rolling(ctx, s.svc.Rollback)
	default:
		return s.rolling(ctx, s.svc.Update)
	}
}

// switchBack restores a blue-green or canary service on `berth rollback`:
// the version served before, so once healthy it takes all traffic at
// once, with no preview, confirmation or canary steps, and is watched
// for rollback_config's monitor.
func (s *svcRollout) switchBack(ctx context.Context) error {
	if err := s.startNew(ctx, s.svc.Replicas-len(s.new)); err != nil {
		return err
	}
	all := 100
	s.route(0, 100)
	s.ro.event(s.name, &all, "switched all traffic back to the %s set", s.to.Set)
	if err := s.watch(ctx, s.svc.Rollback.Monitor); err != nil && !errors.Is(err, errPromote) {
		return err
	}
	return nil
}

// rolling replaces the old set batch by batch: start-first brings a batch
// of new replicas in before a batch of old ones leaves, stop-first the
// other way round. Each batch is watched for cfg.Monitor; a failure beyond
// MaxFailureRatio triggers the failure action.
func (s *svcRollout) rolling(ctx context.Context, cfg spec.UpdateConfig) error {
	n, m := s.svc.Replicas, len(s.old)
	k := cfg.Parallelism
	if k <= 0 || k > max(n, m) {
		k = max(n, m, 1)
	}
	s.ro.event(s.name, nil, "rolling %s, %d at a time, %s", count(n, "replica"), k, cfg.Order)
	// start-first lets a batch of old replicas drain and stop while the
	// next batch starts; the rollout ends once they are gone.
	defer s.retiring.Wait()
	failures, started := 0, len(s.new)
	for started < n || len(s.old) > 0 {
		startK := min(k, n-started)
		var err error
		if string(cfg.Order) == "stop-first" {
			s.retireOld(ctx, k)
			s.retiring.Wait()
			err = s.startBatch(ctx, startK)
		} else {
			err = s.startBatch(ctx, startK)
			if err == nil || startK == 0 {
				s.retireOld(ctx, k)
			}
		}
		started += startK
		if err == nil {
			err = s.watch(ctx, cfg.Monitor)
		}
		if errors.Is(err, errPromote) {
			err = nil
		}
		if err != nil {
			if errors.Is(err, errAborted) || ctx.Err() != nil {
				return err
			}
			failures++
			if err = s.onFailure(ctx, cfg, err, failures); err != nil {
				return err
			}
		}
		if started < n || len(s.old) > 0 {
			if err := s.sleep(ctx, cfg.Delay); err != nil && !errors.Is(err, errPromote) {
				return err
			}
		}
	}
	if len(s.new) == 0 {
		return fmt.Errorf("no replica of the new version became ready")
	}
	if s.routed() {
		return s.verify(ctx, verifyAfterLast, s.svc.Route.Host, cfg)
	}
	return nil
}

// startBatch starts k new replicas and lets them take their share.
func (s *svcRollout) startBatch(ctx context.Context, k int) error {
	if k == 0 {
		return nil
	}
	err := s.startNew(ctx, k)
	s.routeByCount()
	return err
}

// onFailure applies the failure action to a failed batch, returning nil
// to go on.
func (s *svcRollout) onFailure(ctx context.Context, cfg spec.UpdateConfig, cause error, failures int) error {
	if ratio := float64(failures) / float64(max(s.svc.Replicas, 1)); ratio <= cfg.MaxFailureRatio {
		s.ro.event(s.name, nil, "tolerating a failure (%d so far, max_failure_ratio %.2f): %v", failures, cfg.MaxFailureRatio, cause)
		return nil
	}
	return s.failureAction(ctx, cfg, cause)
}

// failureAction applies cfg's failure action to cause: nil to go on
// (continue, or pause and then promote), errAborted for an abort during
// the pause, cause to roll back.
func (s *svcRollout) failureAction(ctx context.Context, cfg spec.UpdateConfig, cause error) error {
	switch string(cfg.FailureAction) {
	case "continue":
		s.ro.event(s.name, nil, "going on despite: %v", cause)
		return nil
	case "pause":
		c, err := s.ro.pause(ctx, s.name, cause.Error())
		if err != nil {
			return err
		}
		if c == cmdAbort {
			return errAborted
		}
		return nil
	}
	return cause
}

// first brings up a service that has no old set to switch or split
// from: no traffic is at stake, so it starts whole and takes all traffic
// once healthy, whatever its strategy.
func (s *svcRollout) first(ctx context.Context) error {
	if err := s.startNew(ctx, s.svc.Replicas-len(s.new)); err != nil {
		return err
	}
	all := 100
	s.route(0, 100)
	s.ro.event(s.name, &all, "nothing runs yet, so there is nothing to %s from: all traffic to the %s set",
		map[string]string{"blue-green": "switch", "canary": "split"}[string(s.svc.Strategy)], s.to.Set)
	return s.verify(ctx, verifyFirst, s.svc.Route.Host, s.svc.Update)
}

// blueGreen starts the whole new set beside the old one, checks it, then
// switches all traffic at once; the old set stays warm for a while.
func (s *svcRollout) blueGreen(ctx context.Context) error {
	if err := s.startNew(ctx, s.svc.Replicas-len(s.new)); err != nil {
		return err
	}
	zero := 0
	s.route(100, 0)
	s.ro.event(s.name, &zero, "the %s set is healthy; preview it at %s", s.to.Set, previewURL(previewHost(s.svc.Route.Host), s.ro.e.opts.ProxyAddr))
	if err := s.verify(ctx, verifyBeforeSwitch, previewHost(s.svc.Route.Host), s.svc.Update); err != nil {
		return err
	}
	if s.svc.Confirm {
		c, err := s.ro.pause(ctx, s.name, "waiting for the switch to "+s.to.Set)
		if err != nil {
			return err
		}
		if c == cmdAbort {
			return errAborted
		}
	}
	all := 100
	s.route(0, 100)
	s.ro.event(s.name, &all, "switched all traffic to %s", s.to.Set)
	if err := s.watch(ctx, s.svc.Update.Monitor); err != nil && !errors.Is(err, errPromote) {
		return err
	}
	return nil
}

// canary shifts traffic to the new set in weighted steps, each watched by
// the analysis. Promote ends the current pause (a manual one waits for
// it), abort goes back.
func (s *svcRollout) canary(ctx context.Context) error {
	if err := s.startNew(ctx, s.svc.Replicas-len(s.new)); err != nil {
		return err
	}
	for _, step := range s.svc.Canary {
		w := step.Weight
		s.route(100-w, w)
		s.ro.event(s.name, &w, "%d%% of traffic on the canary", w)
		if step.Verify {
			if err := s.verify(ctx, verifyAtStep(w), previewHost(s.svc.Route.Host), s.svc.Update); err != nil {
				return err
			}
		}
		if w >= 100 {
			break
		}
		if step.Manual {
			c, err := s.ro.pause(ctx, s.name, fmt.Sprintf("the canary has %d%% of traffic", w))
			if err != nil {
				return err
			}
			if c == cmdAbort {
				return errAborted
			}
			continue // promoted: the next step
		}
		// Promote during a timed pause cuts it short.
		if err := s.watch(ctx, step.Pause); err != nil && !errors.Is(err, errPromote) {
			return err
		}
	}
	all := 100
	s.route(0, 100)
	s.ro.event(s.name, &all, "promoted: all traffic on the new version")
	if err := s.watch(ctx, s.svc.Update.Monitor); err != nil && !errors.Is(err, errPromote) {
		return err
	}
	return nil
}
