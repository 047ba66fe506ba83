package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/berth-dev/berth/internal/pattern"
)

// TagRule makes the tags matching Tags in the repositories matching Repos
// immutable: they can be pushed once, pushed again with the same digest,
// and never moved or deleted.
type TagRule struct {
	Repos string `yaml:"repos"`
	Tags  string `yaml:"tags"`
}

// String names the rule in messages.
func (r TagRule) String() string { return fmt.Sprintf("repos %q tags %q", r.Repos, r.Tags) }

// RetentionRule says what may be deleted from the repositories matching
// Repos: tags matching Tags beyond the newest Keep, and manifests without
// tags older than UntaggedOlderThan. A zero field is not applied.
type RetentionRule struct {
	Repos             string        `yaml:"repos"`
	Tags              string        `yaml:"tags"`
	Keep              int           `yaml:"keep"`
	UntaggedOlderThan time.Duration `yaml:"untagged_older_than"`
}

// GC schedules garbage collection.
type GC struct {
	// Interval between collections; 0 runs them only on demand.
	Interval time.Duration `yaml:"interval"`
	// Grace protects content uploaded or linked this recently.
	Grace time.Duration `yaml:"grace"`
}

// Webhook delivers registry events to a URL, signed with Secret.
type Webhook struct {
	Name    string   `yaml:"name"`
	URL     string   `yaml:"url"`
	Secret  string   `yaml:"secret"`
	Actions []string `yaml:"actions"` // push, delete, pull; empty means push and delete
	Repos   string   `yaml:"repos"`   // empty means every repository
}

func (c Config) validatePolicy() []error {
	var errs []error
	for i, r := range c.ImmutableTags {
		for field, p := range map[string]string{"repos": r.Repos, "tags": r.Tags} {
			if err := pattern.Validate(p); err != nil {
				errs = append(errs, fmt.Errorf("immutable_tags[%d].%s: %w", i, field, err))
			}
		}
	}
	for i, r := range c.Retention {
		if err := pattern.Validate(r.Repos); err != nil {
			errs = append(errs, fmt.Errorf("retention[%d].repos: %w", i, err))
		}
		switch {
		case r.Keep < 0:
			errs = append(errs, fmt.Errorf("retention[%d].keep %d is negative", i, r.Keep))
		case r.Keep > 0:
			if err := pattern.Validate(r.Tags); err != nil {
				errs = append(errs, fmt.Errorf("retention[%d].tags: %w", i, err))
			}
		case r.Tags != "":
			errs = append(errs, fmt.Errorf("retention[%d]: tags %q without keep", i, r.Tags))
		}
		if r.UntaggedOlderThan < 0 || r.Keep == 0 && r.UntaggedOlderThan == 0 {
			errs = append(errs, fmt.Errorf("retention[%d]: set keep with tags, or a positive untagged_older_than", i))
		}
	}
	if c.GC.Interval < 0 || c.GC.Interval > 0 && c.GC.Interval < time.Minute {
		errs = append(errs, fmt.Errorf("gc.interval %s: want 0 (on demand only) or at least 1m", c.GC.Interval))
	}
	if c.GC.Grace < time.Minute {
		errs = append(errs, fmt.Errorf("gc.grace %s: want at least 1m, or pushes in progress could lose blobs", c.GC.Grace))
	}
	names := map[string]bool{}
	for i, w := range c.Webhooks {
		where := fmt.Sprintf("webhooks[%d]", i)
		if w.Name == "" || names[w.Name] {
			errs = append(errs, fmt.Errorf("%s: name %q must be set and unique", where, w.Name))
		}
		names[w.Name] = true
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s.url %q: want an http:// or https:// URL", where, w.URL))
		}
		if len(w.Secret) < 16 {
			errs = append(errs, fmt.Errorf("%s.secret: want at least 16 characters to sign deliveries", where))
		}
		for _, a := range w.Actions {
			if a != "push" && a != "delete" && a != "pull" {
				errs = append(errs, fmt.Errorf("%s.actions: %q: want push, delete or pull", where, a))
			}
		}
		if w.Repos != "" {
			if err := pattern.Validate(w.Repos); err != nil {
				errs = append(errs, fmt.Errorf("%s.repos: %w", where, err))
			}
		}
	}
	if len(errs) > 0 {
		return []error{errors.Join(errs...)}
	}
	return nil
}
