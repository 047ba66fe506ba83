package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Environment is a stage apps run in, such as integration, qa or
// production. Environments come in order: each may take what runs in
// an earlier one by promotion.
type Environment struct {
	// Name identifies the environment: lowercase letters, digits and
	// '-', starting with a letter.
	Name string `yaml:"name"`
	// Target is where the environment's apps run.
	Target Target `yaml:"target"`
	// HostSuffix, when set, is appended (after a dot) to every route
	// host of the environment's apps, so that the same Compose file
	// serves shop.integration.example.com in one environment and
	// shop.example.com in another.
	HostSuffix string `yaml:"host_suffix"`
	// Promotion says how digests come into the environment from an
	// earlier one; nil when they do not.
	Promotion *Promotion `yaml:"promotion"`
}

// Target is where an environment's apps run.
type Target struct {
	// Kind is "docker": the Docker host berth runs on, the default.
	Kind string `yaml:"kind"`
}

// TargetDocker is the local Docker host.
const TargetDocker = "docker"

// Promotion is an environment's rule for taking digests from another.
type Promotion struct {
	// From is the environment promoted from; it must come earlier.
	From string `yaml:"from"`
	// Auto promotes what runs in From once it has been live for After
	// and passed what Require names.
	Auto  bool          `yaml:"auto"`
	After time.Duration `yaml:"after"`
	// Require lists what the source revision must have passed:
	// "healthy" (every replica healthy now) and "verified" (every
	// verification job of the revision passed; a revision without one
	// passes). Default both.
	Require []string `yaml:"require"`
	// Approval is "none" (the default) or "manual": a promotion waits
	// for `berth approve APP --env NAME`.
	Approval string `yaml:"approval"`
}

// What a promotion rule may require, and its approvals.
const (
	RequireHealthy  = "healthy"
	RequireVerified = "verified"
	ApprovalNone    = "none"
	ApprovalManual  = "manual"
)

// DefaultEnvironment is the one environment of a configuration that
// declares none. Apps deployed before berth had environments belong to
// it.
const DefaultEnvironment = "production"

// environmentName is what an environment's name may be: it becomes part of
// container, network and volume names.
var environmentName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// ValidEnvName reports whether name can name an environment.
func ValidEnvName(name string) bool { return environmentName.MatchString(name) }

// hostSuffix is a DNS name, without a leading dot.
var hostSuffix = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// Envs returns the environments in order: those declared, or the
// default one alone, each with its defaults filled in.
func (c Config) Envs() []Environment {
	if len(c.Environments) == 0 {
		return []Environment{{Name: DefaultEnvironment, Target: Target{Kind: TargetDocker}}}
	}
	out := make([]Environment, len(c.Environments))
	for i, e := range c.Environments {
		if e.Target.Kind == "" {
			e.Target.Kind = TargetDocker
		}
		if p := e.Promotion; p != nil {
			q := *p
			if len(q.Require) == 0 {
				q.Require = []string{RequireHealthy, RequireVerified}
			}
			if q.Approval == "" {
				q.Approval = ApprovalNone
			}
			e.Promotion = &q
		}
		out[i] = e
	}
	return out
}

// validateEnvironments reports what is wrong with the environments.
func (c Config) validateEnvironments() []error {
	var errs []error
	seen := map[string]int{}
	for i, e := range c.Environments {
		label := fmt.Sprintf("environment %q", e.Name)
		if !environmentName.MatchString(e.Name) {
			errs = append(errs, fmt.Errorf("environments[%d]: name %q: want lowercase letters, digits and '-', starting with a letter, at most 31 characters", i, e.Name))
			continue
		}
		if _, dup := seen[e.Name]; dup {
			errs = append(errs, fmt.Errorf("%s is declared twice", label))
			continue
		}
		seen[e.Name] = i
		if k := e.Target.Kind; k != "" && k != TargetDocker {
			errs = append(errs, fmt.Errorf("%s: target kind %q: berth runs environments on the Docker host (kind: docker) for now", label, k))
		}
		if s := e.HostSuffix; s != "" && (!hostSuffix.MatchString(s) || len(s) > 200) {
			errs = append(errs, fmt.Errorf("%s: host_suffix %q: want a DNS name such as integration.example.com, lowercase, without a leading dot", label, s))
		}
		errs = append(errs, e.validatePromotion(label, seen)...)
	}
	return errs
}

// validatePromotion checks e's rule; earlier holds the environments
// declared before e.
func (e Environment) validatePromotion(label string, earlier map[string]int) []error {
	p := e.Promotion
	if p == nil {
		return nil
	}
	var errs []error
	switch _, ok := earlier[p.From]; {
	case p.From == "":
		errs = append(errs, fmt.Errorf("%s: promotion needs from: the environment it takes digests from", label))
	case p.From == e.Name:
		errs = append(errs, fmt.Errorf("%s: promotion from itself", label))
	case !ok:
		errs = append(errs, fmt.Errorf("%s: promotion from %q: not an environment declared before it", label, p.From))
	}
	if p.After < 0 {
		errs = append(errs, fmt.Errorf("%s: promotion after %s: must not be negative", label, p.After))
	}
	if p.After > 0 && !p.Auto {
		errs = append(errs, fmt.Errorf("%s: promotion after is for auto: true", label))
	}
	for _, r := range p.Require {
		if r != RequireHealthy && r != RequireVerified {
			errs = append(errs, fmt.Errorf("%s: promotion require %q: want healthy or verified", label, r))
		}
	}
	if a := p.Approval; a != "" && a != ApprovalNone && a != ApprovalManual {
		errs = append(errs, fmt.Errorf("%s: promotion approval %q: want none or manual", label, a))
	}
	return errs
}

// EnvNames lists the environments' names in order.
func (c Config) EnvNames() []string {
	envs := c.Envs()
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.Name
	}
	return out
}

// Env returns the environment called name ("" for the first), or an
// error that lists those there are.
func (c Config) Env(name string) (Environment, error) {
	envs := c.Envs()
	if name == "" {
		return envs[0], nil
	}
	if i := slices.IndexFunc(envs, func(e Environment) bool { return e.Name == name }); i >= 0 {
		return envs[i], nil
	}
	return Environment{}, fmt.Errorf("environment %q is not declared: there are %s", name, strings.Join(c.EnvNames(), ", "))
}
