package auth

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/pattern"
)

// Actions on a repository, and "*" for every action on a resource.
const (
	ActionPull   = config.ActionPull
	ActionPush   = config.ActionPush
	ActionDelete = config.ActionDelete
	ActionAll    = "*"
)

// Actions on an app; config.AppActions says what each covers.
const (
	ActionRead     = config.ActionRead
	ActionLogs     = config.ActionLogs
	ActionDeploy   = config.ActionDeploy
	ActionRollback = config.ActionRollback
	ActionPromote  = config.ActionPromote
	ActionApprove  = config.ActionApprove
	ActionRemove   = config.ActionRemove
)

// account is a user or a robot from the config.
type account struct {
	name   string
	hash   []byte // a user's bcrypt hash
	token  []byte // a robot's sha256 of its token
	admin  bool
	grants []config.Grant
}

func (a *account) robot() bool { return a.token != nil }

// accounts indexes the users and robots of cfg by name.
func accounts(cfg config.Auth) (map[string]*account, error) {
	all := make(map[string]*account, len(cfg.Users)+len(cfg.Robots))
	add := func(a *account) error {
		if a.name == "" || a.name == Anonymous {
			return fmt.Errorf("account name %q is reserved", a.name)
		}
		if all[a.name] != nil {
			return fmt.Errorf("account %q is defined twice", a.name)
		}
		all[a.name] = a
		return nil
	}
	for _, u := range cfg.Users {
		if err := add(&account{name: u.Name, hash: []byte(u.Password), admin: u.Admin, grants: u.Access}); err != nil {
			return nil, err
		}
	}
	for _, r := range cfg.Robots {
		sum, err := parseTokenHash(r.Token)
		if err != nil {
			return nil, fmt.Errorf("robot %q: %w", r.Name, err)
		}
		if err := add(&account{name: r.Name, token: sum, grants: r.Access}); err != nil {
			return nil, err
		}
	}
	return all, nil
}

func parseTokenHash(s string) ([]byte, error) {
	h, ok := strings.CutPrefix(s, "sha256:")
	sum, err := hex.DecodeString(h)
	if !ok || err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("token must be sha256:<64 hex digits>")
	}
	return sum, nil
}

// may reports whether acct (nil for anonymous) may do action on the
// resource typ:name.
func (s *Service) may(acct *account, typ, name, action string) bool {
	switch typ {
	case TypeRegistry:
		// The catalog, and whatever else is the registry's as a whole,
		// is for admins.
		return acct != nil && acct.admin
	case TypeRepository:
		if action == ActionPull && slices.ContainsFunc(s.anonymous, func(p string) bool { return pattern.Match(p, name) }) {
			return true
		}
		if acct == nil {
			return false
		}
		if acct.admin {
			return true
		}
		return slices.ContainsFunc(acct.grants, func(g config.Grant) bool {
			return g.Repos != "" && slices.Contains(g.Actions, action) && pattern.Match(g.Repos, name)
		})
	case TypeApp:
		// Nobody may do anything to an app without an account.
		if acct == nil {
			return false
		}
		if acct.admin {
			return true
		}
		return slices.ContainsFunc(acct.grants, func(g config.Grant) bool {
			return g.Apps != "" && slices.Contains(g.Actions, action) && matchApp(g.Apps, name)
		})
	}
	return false
}

// denied returns the first action in need that acct may not do, as a
// scope of that one action, and whether there is one.
func (s *Service) denied(acct *account, need []Scope) (Scope, bool) {
	for _, sc := range need {
		for _, a := range sc.Actions {
			if !s.may(acct, sc.Type, sc.Name, a) {
				return Scope{Type: sc.Type, Name: sc.Name, Actions: []string{a}}, true
			}
		}
	}
	return Scope{}, false
}

// grant returns the part of want that acct may have: the access a token
// for it carries. want holds valid scopes (see checkScope).
func (s *Service) grant(acct *account, want []Scope) []Access {
	var out []Access
	for _, sc := range want {
		actions := sc.Actions
		if slices.Contains(actions, ActionAll) {
			switch sc.Type {
			case TypeRepository:
				actions = config.RepoActions
			case TypeApp:
				actions = config.AppActions
			}
		}
		var ok []string
		for _, a := range actions {
			if s.may(acct, sc.Type, sc.Name, a) {
				ok = append(ok, a)
			}
		}
		if len(ok) == 0 {
			continue
		}
		i := slices.IndexFunc(out, func(a Access) bool { return a.Type == sc.Type && a.Name == sc.Name })
		if i < 0 {
			out = append(out, Access{Type: sc.Type, Name: sc.Name})
			i = len(out) - 1
		}
		for _, a := range ok {
			if !slices.Contains(out[i].Actions, a) {
				out[i].Actions = append(out[i].Actions, a)
			}
		}
	}
	return out
}

// matchApp matches an app grant's pattern against an app scope's name,
// "env/app": a pattern with a "/" names environments too
// ("integration/*", "*/shop"); one without names the app in every
// environment, as grants did before berth had environments.
func matchApp(p, name string) bool {
	if !strings.Contains(p, "/") {
		if _, app, ok := strings.Cut(name, "/"); ok {
			name = app
		}
	}
	return pattern.Match(p, name)
}
