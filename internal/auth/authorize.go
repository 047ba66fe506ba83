package auth

import (
	"errors"
	"net/http"
)

// Authorize decides whether r may do everything in need, and returns who
// is asking: an account name, or Anonymous. need is empty when the
// request only asks whether the caller is known (GET /v2/).
//
// Credentials are a Bearer token from the token endpoint, or Basic
// credentials (a user's password, or a robot's name and token) sent
// straight to the registry. Errors wrap ErrUnauthorized (and carry a
// challenge) when the caller must authenticate, or ErrDenied when a
// known account lacks a grant.
func (s *Service) Authorize(r *http.Request, need []Scope) (string, error) {
	creds, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", s.challenge(r, need, "", err.Error())
	}
	switch creds.scheme {
	case schemeBasic:
		return s.authorizeBasic(r, need, creds)
	case schemeBearer:
		return s.authorizeBearer(r, need, creds.token)
	}
	if len(need) > 0 {
		if _, denied := s.denied(nil, need); !denied {
			return Anonymous, nil
		}
	}
	return "", s.challenge(r, need, "", ErrUnauthorized.Error())
}

func (s *Service) authorizeBasic(r *http.Request, need []Scope, creds credentials) (string, error) {
	acct, err := s.loginFrom(r, creds.user, creds.pass)
	if errors.Is(err, ErrThrottled) {
		return "", err
	}
	if err != nil {
		return "", s.challenge(r, need, "", err.Error())
	}
	if sc, denied := s.denied(acct, need); denied {
		return "", &DeniedError{Actor: acct.name, Robot: acct.robot(), Scope: sc}
	}
	return acct.name, nil
}

func (s *Service) authorizeBearer(r *http.Request, need []Scope, token string) (string, error) {
	c, err := s.validate(token)
	if err != nil {
		s.log.DebugContext(r.Context(), "token refused", "reason", err.Error(), "remote", r.RemoteAddr)
		return "", s.challenge(r, need, codeInvalidToken, err.Error())
	}
	if c.Subject == deployer {
		if !deployerAllows(c, need) {
			return "", s.challenge(r, need, codeInsufficientScope, "token allows only pulls of one repository")
		}
		return c.Subject, nil
	}
	var acct *account
	if c.Subject != Anonymous {
		if acct = s.accounts[c.Subject]; acct == nil {
			return "", s.challenge(r, need, codeInvalidToken, "token is for an account that no longer exists")
		}
	}
	// A token never grants more than its account has now, and what
	// anyone may do needs no token.
	for _, sc := range need {
		for _, a := range sc.Actions {
			if s.may(nil, sc.Type, sc.Name, a) || c.allows(sc.Type, sc.Name, a) && s.may(acct, sc.Type, sc.Name, a) {
				continue
			}
			return "", s.challenge(r, need, codeInsufficientScope, "token does not allow "+sc.Type+":"+sc.Name+":"+a)
		}
	}
	return c.Subject, nil
}

// challenge returns the error that asks the client to authenticate for
// need at the token endpoint.
func (s *Service) challenge(r *http.Request, need []Scope, code, reason string) error {
	return &ChallengeError{Reason: reason, challenge: bearerChallenge(s.realmFor(r), s.service, need, code)}
}
