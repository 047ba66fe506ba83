package auth

import (
	"errors"
	"fmt"
	"strings"
)

// Resource types of the Docker token scope grammar, and berth's own for
// the apps it deploys.
const (
	TypeRepository = "repository"
	TypeRegistry   = "registry"
	TypeApp        = "app"
)

// Scope is something a request needs to do: "repository:team/app:pull,push",
// "registry:catalog:*" or "app:shop:deploy".
type Scope struct {
	Type    string
	Name    string
	Actions []string
}

// String renders s in the scope grammar.
func (s Scope) String() string {
	return s.Type + ":" + s.Name + ":" + strings.Join(s.Actions, ",")
}

var (
	// ErrUnauthorized reports a request without valid credentials.
	ErrUnauthorized = errors.New("authentication required")
	// ErrDenied reports valid credentials that do not allow the request.
	ErrDenied = errors.New("requested access to the resource is denied")
	// ErrThrottled reports a client that failed to log in too often.
	ErrThrottled = errors.New("too many failed logins")
	// ErrScopeInvalid reports a scope string outside the grammar.
	ErrScopeInvalid = errors.New("invalid scope")
)

// ParseScope parses "type:name:action,action". The name may itself
// contain ":" (a registry host with a port), so the type is what comes
// before the first ":" and the actions what comes after the last.
func ParseScope(s string) (Scope, error) {
	first := strings.IndexByte(s, ':')
	last := strings.LastIndexByte(s, ':')
	if first <= 0 || last == first || last == len(s)-1 {
		return Scope{}, fmt.Errorf("%w %q: want type:name:actions", ErrScopeInvalid, s)
	}
	sc := Scope{Type: s[:first], Name: s[first+1 : last]}
	for _, a := range strings.Split(s[last+1:], ",") {
		if a == "" {
			return Scope{}, fmt.Errorf("%w %q: empty action", ErrScopeInvalid, s)
		}
		sc.Actions = append(sc.Actions, a)
	}
	return sc, nil
}
