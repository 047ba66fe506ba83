package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/berth-dev/berth/internal/pattern"
)

// Grant allows actions on the repositories, or on the apps, whose names
// match a pattern: exactly one of Repos and Apps is set.
type Grant struct {
	Repos   string   `yaml:"repos,omitempty"`
	Apps    string   `yaml:"apps,omitempty"`
	Actions []string `yaml:"actions"`
}

// Actions a repository grant may name.
const (
	ActionPull   = "pull"
	ActionPush   = "push"
	ActionDelete = "delete"
)

// Actions an app grant may name. Read covers an app's status, history
// and following a rollout; rollback also covers aborting a rollout,
// which takes the app back as a rollback does; approve is reserved for
// the promotion gates of environments. Remove deletes the app and its
// history, and no other action implies it.
const (
	ActionRead     = "read"
	ActionLogs     = "logs"
	ActionDeploy   = "deploy"
	ActionRollback = "rollback"
	ActionPromote  = "promote"
	ActionApprove  = "approve"
	ActionRemove   = "remove"
)

// RepoActions and AppActions are the actions each kind of grant may
// name, in the order messages list them.
var (
	RepoActions = []string{ActionPull, ActionPush, ActionDelete}
	AppActions  = []string{ActionRead, ActionLogs, ActionDeploy, ActionRollback, ActionPromote, ActionApprove, ActionRemove}
)

// UnmarshalYAML reads a grant and refuses one that cannot be used, so
// that the error names the line it is on.
func (g *Grant) UnmarshalYAML(n *yaml.Node) error {
	type plain Grant
	var p plain
	if err := n.Load(&p, yaml.WithKnownFields()); err != nil {
		return err
	}
	*g = Grant(p)
	if err := CheckGrant(*g); err != nil {
		return fmt.Errorf("access: %w", err)
	}
	return nil
}

// CheckGrant reports what is wrong with g, nil if nothing is.
func CheckGrant(g Grant) error {
	if problems := g.problems(); len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// problems lists what is wrong with g, if anything.
func (g Grant) problems() []string {
	var out []string
	field, p, allowed := "repos", g.Repos, RepoActions
	switch {
	case g.Repos == "" && g.Apps == "":
		return []string{"set repos (a repository pattern) or apps (an app pattern)"}
	case g.Repos != "" && g.Apps != "":
		return []string{"set repos or apps, not both: make one grant of each"}
	case g.Apps != "":
		field, p, allowed = "apps", g.Apps, AppActions
	}
	if err := pattern.Validate(p); err != nil {
		out = append(out, fmt.Sprintf("%s: %v", field, err))
	}
	if field == "repos" && strings.Contains(p, ":") {
		out = append(out, fmt.Sprintf("repos %q: a repository name has no \":\"", p))
	}
	if len(g.Actions) == 0 {
		out = append(out, "no actions")
	}
	for _, a := range g.Actions {
		if slices.Contains(allowed, a) {
			continue
		}
		other := map[string][]string{"repos": AppActions, "apps": RepoActions}[field]
		if slices.Contains(other, a) {
			out = append(out, fmt.Sprintf("action %q is not for %s: want %s", a, field, orList(allowed)))
		} else {
			out = append(out, fmt.Sprintf("action %q: want %s", a, orList(allowed)))
		}
	}
	return out
}

// orList renders "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
