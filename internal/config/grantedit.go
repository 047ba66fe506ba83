package config

import (
	"errors"
	"fmt"
	"slices"
)

// ErrAccountUnknown reports an account name the config does not have.
var ErrAccountUnknown = errors.New("no such account")

// GrantUser adds grants to the access of the user name in the config
// file at path. The password, the admin flag and the other grants stay
// as they are; a grant on a pattern the user already has gets the new
// actions added to it. Only the auth section is rewritten, as by
// AddUser.
func GrantUser(path, name string, grants []Grant) error {
	cfg, err := loadForGrant(path)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cfg.Auth.Users, func(u User) bool { return u.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %s has no user %q", ErrAccountUnknown, path, name)
	}
	u := cfg.Auth.Users[i]
	u.Access = mergeGrants(u.Access, grants)
	return addAccount(path, "users", name, u, true)
}

// GrantRobot adds grants to the access of the robot name in the config
// file at path, keeping its token, as GrantUser does for a user.
func GrantRobot(path, name string, grants []Grant) error {
	cfg, err := loadForGrant(path)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cfg.Auth.Robots, func(r Robot) bool { return r.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %s has no robot %q", ErrAccountUnknown, path, name)
	}
	r := cfg.Auth.Robots[i]
	r.Access = mergeGrants(r.Access, grants)
	return addAccount(path, "robots", name, r, true)
}

func loadForGrant(path string) (Config, error) {
	cfg := Default()
	if err := cfg.LoadFile(path); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// mergeGrants returns have with add merged in: the actions of a grant on
// a pattern have already has are added to that grant, other grants are
// appended.
func mergeGrants(have, add []Grant) []Grant {
	out := slices.Clone(have)
	for _, g := range add {
		i := slices.IndexFunc(out, func(h Grant) bool { return h.Repos == g.Repos && h.Apps == g.Apps })
		if i < 0 {
			out = append(out, Grant{Repos: g.Repos, Apps: g.Apps, Actions: slices.Clone(g.Actions)})
			continue
		}
		actions := slices.Clone(out[i].Actions)
		for _, a := range g.Actions {
			if !slices.Contains(actions, a) {
				actions = append(actions, a)
			}
		}
		out[i].Actions = actions
	}
	return out
}
