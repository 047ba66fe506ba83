package auth

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/config"
)

// Anonymous is the actor of a request that carries no credentials, and
// the subject of the tokens issued to it. No account may take the name.
const Anonymous = config.Anonymous

// Error codes of RFC 6750 a Bearer challenge may carry.
const (
	codeInvalidToken      = "invalid_token"
	codeInsufficientScope = "insufficient_scope"
)

// ChallengeError is a request that must authenticate, or authenticate
// again. It wraps ErrUnauthorized; Challenge is the WWW-Authenticate
// value that tells the client where to get a token and for what.
type ChallengeError struct {
	// Reason says what is wrong: "authentication required", "token
	// expired", "invalid username or password".
	Reason    string
	challenge string
}

func (e *ChallengeError) Error() string { return e.Reason }

// Unwrap returns ErrUnauthorized.
func (e *ChallengeError) Unwrap() error { return ErrUnauthorized }

// Challenge returns the value of the WWW-Authenticate header.
func (e *ChallengeError) Challenge() string { return e.challenge }

// ThrottledError refuses a login from a client address that failed too
// often of late, or that failed against an account that too many
// addresses failed against, before its credentials are checked. It wraps
// ErrThrottled.
type ThrottledError struct {
	RetryAfter time.Duration
	// Account is set when the account's budget refused the login, not
	// the address's.
	Account bool
}

func (e *ThrottledError) Error() string {
	if e.Account {
		return fmt.Sprintf("%s for this account: try again in %s", ErrThrottled, e.RetryAfter)
	}
	return fmt.Sprintf("%s from this address: try again in %s", ErrThrottled, e.RetryAfter)
}

// Unwrap returns ErrThrottled.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// RetryAfterSeconds is the value of the Retry-After header.
func (e *ThrottledError) RetryAfterSeconds() string {
	return strconv.Itoa(int(e.RetryAfter.Round(time.Second) / time.Second))
}

// DeniedError reports an authenticated account that may not do what a
// request needs. It wraps ErrDenied. Its message says which right is
// missing and how to grant it.
type DeniedError struct {
	Actor string
	// Robot is set when Actor is a robot, not a user.
	Robot bool
	// Scope is the one action the account lacks.
	Scope Scope
}

func (e *DeniedError) Error() string {
	kind := "user"
	if e.Robot {
		kind = "robot"
	}
	action := strings.Join(e.Scope.Actions, ",")
	switch e.Scope.Type {
	case TypeApp, TypeRepository:
		what, grant, yaml := "app", "app:"+e.Scope.Name+"="+action, fmt.Sprintf("{apps: %q, actions: [%s]}", e.Scope.Name, action)
		if e.Scope.Type == TypeRepository {
			what, grant, yaml = "repository", e.Scope.Name+"="+action, fmt.Sprintf("{repos: %q, actions: [%s]}", e.Scope.Name, action)
		}
		return fmt.Sprintf("%s %q may not %s %s %q: that takes the %s right on %s %q, which %s's access does not give. "+
			"To allow it, run berth %s grant %s --access '%s' (or add %s to its access in berth.yaml)",
			kind, e.Actor, deniedVerb(action), what, e.Scope.Name, action, what, e.Scope.Name, e.Actor, kind, e.Actor, grant, yaml)
	}
	what := "use the registry's admin API (registry gc, audit and deliveries)"
	if e.Scope.Name == "catalog" {
		what = "list the registry's catalog"
	}
	if e.Robot {
		return fmt.Sprintf("robot %q may not %s: only an admin user may, and no robot is one; run it as an admin user (--user NAME, password in BERTH_PASSWORD)", e.Actor, what)
	}
	return fmt.Sprintf("user %q may not %s: only an admin may, and %s is not one; run it as an admin user, or make %s one with admin: true in berth.yaml", e.Actor, what, e.Actor, e.Actor)
}

// deniedVerb says action in plain words, as in "may not roll back".
func deniedVerb(action string) string {
	switch action {
	case "read":
		return "read"
	case "logs":
		return "read the logs of"
	case "rollback":
		return "roll back"
	case "approve":
		return "approve promotions of"
	case "pull":
		return "pull from"
	case "push":
		return "push to"
	case "delete":
		return "delete from"
	}
	return action
}

// Unwrap returns ErrDenied.
func (e *DeniedError) Unwrap() error { return ErrDenied }

// bearerChallenge renders a Bearer challenge (RFC 6750, with the
// service and scope parameters of Docker's token spec). code is empty
// or one of the code constants.
func bearerChallenge(realm, service string, need []Scope, code string) string {
	var b strings.Builder
	b.WriteString("Bearer realm=")
	b.WriteString(quote(realm))
	b.WriteString(",service=")
	b.WriteString(quote(service))
	if len(need) > 0 {
		scopes := make([]string, len(need))
		for i, s := range need {
			scopes[i] = s.String()
		}
		b.WriteString(",scope=")
		b.WriteString(quote(strings.Join(scopes, " ")))
	}
	if code != "" {
		b.WriteString(",error=")
		b.WriteString(quote(code))
	}
	return b.String()
}

// quote renders s as an HTTP quoted-string, dropping control characters
// that could break the header.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
