package spec

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
)

// defaultVerifyTimeout bounds a verification job that sets no timeout.
const defaultVerifyTimeout = 5 * time.Minute

// TargetURLVar is the variable berth gives a verification job: a URL
// that reaches the new version through the edge proxy.
const TargetURLVar = "BERTH_TARGET_URL"

// verifyKeys are the keys of x-berth.verify.
var verifyKeys = []string{"image", "command", "environment", "timeout"}

// Verify is x-berth.verify: a one-off container berth runs once the new
// version of a routed service is healthy, with TargetURLVar set to a URL
// that reaches it through the proxy. Exit 0 passes; anything else fails
// the rollout, which then follows its failure_action. Blue-green runs it
// against the preview before the switch, a canary at each step marked
// verify, rolling after the last batch.
type Verify struct {
	// Image is the reference as written; the engine resolves it to a
	// digest as it does the service's.
	Image string
	// Command is nil when the spec leaves the image's own.
	Command []string
	Env     []string // KEY=VALUE, sorted by key
	Timeout time.Duration
}

// verify reads x-berth.verify.
func (p *parser) verify(path []string, v any) *Verify {
	m, ok := p.mapping(path, v, verifyKeys...)
	if !ok || m == nil {
		if ok {
			p.add(path, "a verification job needs an image, like {image: registry/shop/smoke:v1, command: [check]}")
		}
		return nil
	}
	vf := &Verify{Timeout: defaultVerifyTimeout}
	if img, ok := m["image"]; !ok {
		p.add(path, "a verification job needs an image, like {image: registry/shop/smoke:v1}")
	} else if s, ok := p.text(join(path, "image"), img); ok {
		vf.Image = strings.TrimSpace(s)
		if _, err := reference.ParseNormalizedNamed(vf.Image); err != nil {
			p.add(join(path, "image"), "%q is not an image reference: %v", s, err)
		}
	}
	if c, ok := m["command"]; ok {
		vf.Command = p.command(join(path, "command"), c)
	}
	if e, ok := m["environment"]; ok {
		vf.Env = p.verifyEnv(join(path, "environment"), e)
	}
	p.positive(join(path, "timeout"), m["timeout"], &vf.Timeout)
	return vf
}

// command reads a command as Compose does: a list of strings, or a
// string split as a shell would (without running one).
func (p *parser) command(path []string, v any) []string {
	var cmd types.ShellCommand
	switch x := v.(type) {
	case nil:
		return nil
	case string:
	case []any:
		for i, item := range x {
			if _, ok := item.(string); !ok {
				p.add(join(path, itoa(i)), "must be a string, not %s; quote it", describe(item))
				return nil
			}
		}
	default:
		p.add(path, "must be a string or a list of strings, not %s", describe(v))
		return nil
	}
	if err := cmd.DecodeMapstructure(v); err != nil {
		p.add(path, "cannot be split into words: %v", err)
		return nil
	}
	return []string(cmd)
}

// verifyEnv reads a verification job's environment as Compose reads a
// service's: a mapping, or a list of KEY=VALUE. A KEY without a value
// takes the deployer's variable of that name, and is left out when it is
// not set.
func (p *parser) verifyEnv(path []string, v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			switch x[k].(type) {
			case nil, string, bool, int, int64, uint64, float64:
			default:
				p.add(join(path, k), "must be a string, a number or a boolean, not %s", describe(x[k]))
				return nil
			}
		}
	case []any:
		for i, item := range x {
			if _, ok := item.(string); !ok {
				p.add(join(path, itoa(i)), "must be a string KEY=VALUE, not %s", describe(item))
				return nil
			}
		}
	default:
		p.add(path, "must be a mapping or a list of KEY=VALUE, not %s", describe(v))
		return nil
	}
	var env types.MappingWithEquals
	if err := env.DecodeMapstructure(v); err != nil {
		p.add(path, "%v", err)
		return nil
	}
	for k := range env {
		switch {
		case k == "":
			p.add(path, "a variable has no name")
		case k == TargetURLVar:
			p.add(join(path, k), "berth sets %s itself, to the URL of the new version", TargetURLVar)
		}
	}
	env.Resolve(func(k string) (string, bool) { v, ok := p.in.Env[k]; return v, ok })
	return environ(env)
}

// verifyOptions checks x-berth.verify against the rest of x-berth: it
// needs a route, and a canary runs it at the steps marked verify, of
// which it needs one, as such a step needs the job.
func (p *parser) verifyOptions(s *Service, x map[string]any, path []string) {
	_, hasVerify := x["verify"]
	if hasVerify && s.Route == nil {
		if _, routed := x["route"]; !routed {
			p.add(join(path, "verify"), "verify needs a route: the job reaches the new version through the proxy")
		}
	}
	// marked lists the steps that say verify: true; unmarked is whether
	// every step leaves verify out or says false (a value that is
	// neither is reported at the step).
	var marked []int
	unmarked := true
	if list, ok := x["steps"].([]any); ok && s.Strategy == StrategyCanary {
		for i, item := range list {
			m, _ := item.(map[string]any)
			switch v, ok := m["verify"]; {
			case v == true || v == "true":
				marked = append(marked, i)
				unmarked = false
			case ok && v != false && v != "false":
				unmarked = false
			}
		}
	}
	switch {
	case !hasVerify:
		for _, i := range marked {
			p.add(join(path, "steps", itoa(i), "verify"), "a step with verify: true runs x-berth.verify, which the service does not have")
		}
	case s.Strategy == StrategyCanary && unmarked && s.Verify != nil && len(s.Canary) > 0:
		p.add(join(path, "verify"), "a canary runs its verification job at the steps marked verify: true, and no step is; "+
			"mark one, like {weight: 10, pause: 1m, verify: true}")
	}
}
