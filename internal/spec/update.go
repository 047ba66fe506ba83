package spec

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// Defaults of deploy.update_config and rollback_config where berth's
// differ from Compose's, and of healthcheck, which are Docker's.
const (
	defaultMonitor       = 10 * time.Second
	defaultCheckInterval = 30 * time.Second
	defaultCheckTimeout  = 30 * time.Second
	defaultCheckRetries  = 3
)

// update reads deploy.update_config, or rollback_config with rollback.
func (p *parser) update(path []string, u *types.UpdateConfig, replicas int, rollback bool) UpdateConfig {
	out := UpdateConfig{Parallelism: 1, Order: OrderStartFirst, FailureAction: FailureRollback, Monitor: defaultMonitor}
	actions := []FailureAction{FailureRollback, FailurePause, FailureContinue}
	if rollback {
		out.FailureAction = FailurePause
		actions = actions[1:]
	}
	all := max(replicas, 1)
	if u == nil {
		return out
	}
	if u.Parallelism != nil {
		if n := *u.Parallelism; n == 0 || n > uint64(all) {
			out.Parallelism = all
		} else {
			out.Parallelism = int(n)
		}
	}
	out.Delay = p.nonNegative(join(path, "delay"), u.Delay)
	switch Order(u.Order) {
	case "":
	case OrderStartFirst, OrderStopFirst:
		out.Order, out.OrderSet = Order(u.Order), true
	default:
		p.add(join(path, "order"), "%q is not one of start-first, stop-first", u.Order)
	}
	if fa := FailureAction(u.FailureAction); slices.Contains(actions, fa) {
		out.FailureAction = fa
	} else if fa != "" {
		p.add(join(path, "failure_action"), "%q is not one of %s", fa, joinActions(actions))
	}
	if u.Monitor != 0 || p.has(join(path, "monitor")) {
		out.Monitor = p.nonNegative(join(path, "monitor"), u.Monitor)
	}
	// The ratio arrives as a float32; going through its shortest decimal
	// form turns 0.1 back into 0.1 rather than 0.10000000149011612.
	r, _ := strconv.ParseFloat(strconv.FormatFloat(float64(u.MaxFailureRatio), 'g', -1, 32), 64)
	if math.IsNaN(r) || r < 0 || r > 1 {
		p.add(join(path, "max_failure_ratio"), "%v is out of range 0-1", r)
	} else {
		out.MaxFailureRatio = r
	}
	return out
}

func joinActions(as []FailureAction) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// healthcheck reads a Compose healthcheck; nil when there is none or it
// is disabled.
func (p *parser) healthcheck(path []string, h *types.HealthCheckConfig) *driver.Healthcheck {
	if h == nil {
		return nil
	}
	if h.Disable || len(h.Test) > 0 && h.Test[0] == "NONE" {
		return nil
	}
	if len(h.Test) > 0 {
		switch {
		case h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL":
			p.add(join(path, "test"), "must start with CMD, CMD-SHELL or NONE, not %q", h.Test[0])
		case len(h.Test) == 1:
			p.add(join(path, "test"), "%s needs a command after it", h.Test[0])
		}
	}
	hc := &driver.Healthcheck{
		Test:     slices.Clone([]string(h.Test)),
		Interval: defaultCheckInterval,
		Timeout:  defaultCheckTimeout,
		Retries:  defaultCheckRetries,
	}
	hc.Interval = p.checkDuration(join(path, "interval"), h.Interval, hc.Interval)
	hc.Timeout = p.checkDuration(join(path, "timeout"), h.Timeout, hc.Timeout)
	hc.StartPeriod = p.checkDuration(join(path, "start_period"), h.StartPeriod, 0)
	hc.StartInterval = p.checkDuration(join(path, "start_interval"), h.StartInterval, 0)
	if h.Retries != nil && *h.Retries > 0 {
		hc.Retries = int(min(*h.Retries, 1<<20))
	}
	return hc
}

// checkDuration reads a healthcheck duration, def when unset or zero.
func (p *parser) checkDuration(path []string, d *types.Duration, def time.Duration) time.Duration {
	if d == nil || *d == 0 {
		return def
	}
	return p.nonNegative(path, *d)
}
