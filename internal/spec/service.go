package spec

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"

	"github.com/berth-dev/berth/internal/driver"
)

// Defaults of the Compose keys berth reads.
const (
	defaultReplicas  = 1
	defaultStopGrace = 10 * time.Second
)

// pullPolicies are the pull_policy values berth takes.
const pullPolicies = "always, missing, if_not_present, never"

// app turns a loaded Compose project into an App.
func (p *parser) app(proj *types.Project) *App {
	app := &App{Name: proj.Name}
	if _, ok := proj.Extensions["x-berth"]; ok {
		p.add([]string{"x-berth"}, "berth reads x-berth on services, not at the top level")
	}
	p.refuseTopKeys(proj)
	app.Resources = p.appResources(proj)
	for _, name := range slices.Sorted(maps.Keys(proj.Services)) {
		app.Services = append(app.Services, p.service(proj, proj.Services[name]))
	}
	p.routes(app.Services)
	p.cycles(app.Services)
	switch {
	case len(app.Services) > 0 || len(p.errs) > 0:
	case len(proj.DisabledServices) > 0:
		p.add([]string{"services"}, "the app has no services: every one has profiles, which berth does not enable")
	default:
		p.add([]string{"services"}, "the app has no services")
	}
	return app
}

// service reads one Compose service.
func (p *parser) service(proj *types.Project, c types.ServiceConfig) Service {
	at := func(keys ...string) []string { return append([]string{"services", c.Name}, keys...) }
	s := Service{
		Name:       c.Name,
		Image:      c.Image,
		PullPolicy: p.pullPolicy(at("pull_policy"), c.PullPolicy),
		Replicas:   p.replicas(c, at),
		Command:    c.Command,
		Entrypoint: c.Entrypoint,
		Env:        p.serviceEnv(c, at),
		Labels:     p.labels(at("labels"), p.serviceLabels(c, at)),
		StopGrace:  defaultStopGrace,
		Keys:       keysOf(c),
	}
	p.refuseKeys(c.Name, s.Keys)
	p.image(c, at)
	if c.StopGracePeriod != nil {
		s.StopGrace = p.nonNegative(at("stop_grace_period"), *c.StopGracePeriod)
	}
	s.Healthcheck = p.healthcheck(at("healthcheck"), c.HealthCheck)
	var update, rollback *types.UpdateConfig
	if d := c.Deploy; d != nil {
		switch d.Mode {
		case "", "replicated":
		case "global":
			p.add(at("deploy", "mode"), "berth does not support global mode yet; set replicas instead")
		default:
			p.add(at("deploy", "mode"), "%q is not one of replicated, global", d.Mode)
		}
		update, rollback = d.UpdateConfig, d.RollbackConfig
	}
	s.Update = p.update(at("deploy", "update_config"), update, s.Replicas, false)
	s.Rollback = p.update(at("deploy", "rollback_config"), rollback, s.Replicas, true)
	s.Runtime = p.runtime(proj, c, at)
	s.DependsOn = p.dependsOn(proj, c, at)
	s.Cluster = p.cluster(c, at)
	p.xberth(&s, c.Extensions["x-berth"], at("x-berth"))
	p.stateful(&s, at)
	return s
}

// image checks that the service runs an image berth can pull.
func (p *parser) image(c types.ServiceConfig, at func(...string) []string) {
	switch {
	case c.Image == "" && c.Build != nil:
		p.add(at("build"), "berth deploys images, not builds: build and push in CI, then set image")
	case c.Image == "":
		p.add(at(), "no image: berth deploys images, so set image")
	default:
		if _, err := reference.ParseNormalizedNamed(c.Image); err != nil {
			p.add(at("image"), "%q is not an image reference: %v", c.Image, err)
		}
	}
}

// pullPolicy reads pull_policy.
func (p *parser) pullPolicy(path []string, v string) driver.PullPolicy {
	switch v {
	case "", "missing", "if_not_present":
		return driver.PullMissing
	case "always":
		return driver.PullAlways
	case "never":
		return driver.PullNever
	case "build":
		p.add(path, "berth deploys images, not builds")
	case "refresh", "daily", "weekly":
		p.add(path, "%q is not supported: berth pulls when it deploys; use %s", v, pullPolicies)
	default:
		if strings.HasPrefix(v, "every_") {
			p.add(path, "%q is not supported: berth pulls when it deploys; use %s", v, pullPolicies)
		} else {
			p.add(path, "%q is not one of %s", v, pullPolicies)
		}
	}
	return driver.PullMissing
}

// replicas reads deploy.replicas, or scale.
func (p *parser) replicas(c types.ServiceConfig, at func(...string) []string) int {
	n, path := defaultReplicas, at("deploy", "replicas")
	switch {
	case c.Deploy != nil && c.Deploy.Replicas != nil:
		n = *c.Deploy.Replicas
		if c.Scale != nil && *c.Scale != n {
			p.add(at("scale"), "scale %d and deploy.replicas %d disagree; set one of them", *c.Scale, n)
		}
	case c.Scale != nil:
		n, path = *c.Scale, at("scale")
	}
	if n < 0 {
		p.add(path, "%d is negative; replicas must be 0 or more", n)
		return 0
	}
	return n
}

// labels checks the service's labels, which may not use berth's prefix.
func (p *parser) labels(path []string, l types.Labels) map[string]string {
	if len(l) == 0 {
		return nil
	}
	out := make(map[string]string, len(l))
	for k, v := range l {
		if strings.HasPrefix(k, "berth.") {
			p.add(join(path, k), "the berth. prefix is for berth's own labels")
		}
		out[k] = v
	}
	return out
}

// environ lists a service's environment as sorted KEY=VALUE pairs,
// leaving out variables that are declared without a value and not set.
func environ(env types.MappingWithEquals) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if v := env[k]; v != nil {
			out = append(out, k+"="+*v)
		}
	}
	return out
}

// nonNegative checks a Compose duration.
func (p *parser) nonNegative(path []string, d types.Duration) time.Duration {
	if d < 0 {
		p.add(path, "%s is negative", time.Duration(d))
		return 0
	}
	return time.Duration(d)
}
