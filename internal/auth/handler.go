package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/reference"
)

// Bounds of a token request: the body of an OAuth2 form, and the scopes
// one token may carry (so that it stays well under maxCredentials).
const (
	maxTokenForm = 64 << 10
	maxScopes    = 64
)

// tokenRequest is a request for a token, from either of the two forms
// the endpoint accepts.
type tokenRequest struct {
	service string
	scopes  []string
	account string
	creds   credentials
}

// TokenHandler serves the token endpoint of Docker's token
// authentication spec: GET with optional Basic credentials and the
// service, scope and account query parameters, and POST with an OAuth2
// password grant. It answers with a token carrying the part of the
// requested scopes the account may have; without credentials, the part
// anyone may have.
func (s *Service) TokenHandler() http.Handler {
	return http.HandlerFunc(s.serveToken)
}

// tokenResponse is the body of a successful answer. token and
// access_token hold the same token: older clients read the first, OAuth2
// clients the second.
type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
}

func (s *Service) serveToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var req tokenRequest
	var err error
	switch r.Method {
	case http.MethodGet:
		req, err = tokenQuery(r)
	case http.MethodPost:
		req, err = tokenForm(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeTokenError(w, http.StatusMethodNotAllowed, "invalid_request", "use GET or POST")
		return
	}
	if errors.Is(err, errMalformed) {
		refuseLogin(w, err.Error())
		return
	}
	if err != nil {
		writeTokenError(w, http.StatusBadRequest, oauthCode(err), err.Error())
		return
	}
	if req.service != "" && req.service != s.service {
		writeTokenError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("this is the token endpoint of service %q, not %q", s.service, req.service))
		return
	}
	want, err := parseScopes(req.scopes)
	if err != nil {
		writeTokenError(w, http.StatusBadRequest, "invalid_scope", err.Error())
		return
	}
	var acct *account
	actor := Anonymous
	if req.creds.scheme == schemeBasic {
		if acct, err = s.loginFrom(r, req.creds.user, req.creds.pass); err != nil {
			var throttled *ThrottledError
			if errors.As(err, &throttled) {
				w.Header().Set("Retry-After", throttled.RetryAfterSeconds())
				writeTokenError(w, http.StatusTooManyRequests, "invalid_request", err.Error())
				return
			}
			refuseLogin(w, err.Error())
			return
		}
		actor = acct.name
		if req.account != "" && req.account != actor {
			writeTokenError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("account %q does not match the credentials", req.account))
			return
		}
	}
	now := s.now()
	access := s.grant(acct, want)
	token, err := s.issue(actor, access, now)
	if err != nil {
		s.log.ErrorContext(r.Context(), "issuing token failed", "err", err)
		writeTokenError(w, http.StatusInternalServerError, "server_error", "issuing token failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(tokenResponse{
		Token:       token,
		AccessToken: token,
		ExpiresIn:   int(s.ttl / time.Second),
		IssuedAt:    now.UTC().Format(time.RFC3339),
	})
}

// errGrantUnsupported reports an OAuth2 grant type other than password.
var errGrantUnsupported = errors.New("unsupported grant type")

func oauthCode(err error) string {
	if errors.Is(err, errGrantUnsupported) {
		return "unsupported_grant_type"
	}
	return "invalid_request"
}

// tokenQuery reads a GET request: Basic credentials, if any, and the
// query.
func tokenQuery(r *http.Request) (tokenRequest, error) {
	creds, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return tokenRequest{}, err
	}
	if creds.scheme == schemeBearer {
		return tokenRequest{}, fmt.Errorf("%w: the token endpoint takes Basic credentials, not a Bearer token", errMalformed)
	}
	q := r.URL.Query()
	return tokenRequest{service: q.Get("service"), scopes: q["scope"], account: q.Get("account"), creds: creds}, nil
}

// tokenForm reads a POST request: an OAuth2 password grant.
func tokenForm(w http.ResponseWriter, r *http.Request) (tokenRequest, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		return tokenRequest{}, fmt.Errorf("reading form: %w", err)
	}
	f := r.PostForm
	switch grant := f.Get("grant_type"); grant {
	case "password":
	case "":
		return tokenRequest{}, errors.New("grant_type is missing")
	default:
		return tokenRequest{}, fmt.Errorf("%w %q: only password is supported", errGrantUnsupported, grant)
	}
	user := f.Get("username")
	if user == "" {
		return tokenRequest{}, errors.New("username is missing")
	}
	return tokenRequest{
		service: f.Get("service"),
		scopes:  f["scope"],
		creds:   credentials{scheme: schemeBasic, user: user, pass: f.Get("password")},
	}, nil
}

// parseScopes parses the scope parameters, each a space-separated list,
// and refuses any scope berth does not know.
func parseScopes(params []string) ([]Scope, error) {
	var out []Scope
	for _, p := range params {
		for _, raw := range strings.Fields(p) {
			sc, err := ParseScope(raw)
			if err != nil {
				return nil, err
			}
			if err := checkScope(sc); err != nil {
				return nil, fmt.Errorf("%w %q: %w", ErrScopeInvalid, raw, err)
			}
			out = append(out, sc)
		}
	}
	if len(out) > maxScopes {
		return nil, fmt.Errorf("%w: %d scopes, at most %d in one token", ErrScopeInvalid, len(out), maxScopes)
	}
	return out, nil
}

// appName is the grammar of the app names a scope may carry: a Compose
// project name, after an environment and "/" once apps have one.
var appName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}(/[a-z0-9][a-z0-9_-]{0,62})?$`)

// checkScope accepts the resources berth has: repositories (pull, push,
// delete or *), apps (the actions of config.AppActions, or *) and the
// catalog (*).
func checkScope(sc Scope) error {
	switch sc.Type {
	case TypeRepository:
		if err := reference.ValidateName(sc.Name); err != nil {
			return err
		}
		for _, a := range sc.Actions {
			if !slices.Contains([]string{ActionPull, ActionPush, ActionDelete, ActionAll}, a) {
				return fmt.Errorf("unknown action %q", a)
			}
		}
	case TypeApp:
		if !appName.MatchString(sc.Name) {
			return fmt.Errorf("app name %q: want lowercase letters, digits, '_' and '-', with '/' between an environment and the app", sc.Name)
		}
		for _, a := range sc.Actions {
			if !slices.Contains(config.AppActions, a) && a != ActionAll {
				return fmt.Errorf("unknown action %q", a)
			}
		}
	case TypeRegistry:
		if sc.Name != "catalog" {
			return fmt.Errorf("unknown registry resource %q", sc.Name)
		}
		for _, a := range sc.Actions {
			if a != ActionAll {
				return fmt.Errorf("unknown action %q", a)
			}
		}
	default:
		return fmt.Errorf("unknown resource type %q", sc.Type)
	}
	return nil
}

// tokenError is the body of a refusal. It carries the error both as
// OAuth2 (RFC 6749 section 5.2) and as the registry's error list, which
// is what the Docker client shows.
type tokenError struct {
	Error       string       `json:"error"`
	Description string       `json:"error_description"`
	Errors      []errorEntry `json:"errors"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// refuseLogin answers credentials that are wrong or unreadable.
func refuseLogin(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="berth"`)
	writeTokenError(w, http.StatusUnauthorized, "invalid_grant", message)
}

func writeTokenError(w http.ResponseWriter, status int, code, message string) {
	registryCode := "UNSUPPORTED"
	switch status {
	case http.StatusUnauthorized:
		registryCode = "UNAUTHORIZED"
	case http.StatusTooManyRequests:
		registryCode = "TOOMANYREQUESTS"
	case http.StatusInternalServerError:
		registryCode = "UNKNOWN"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(tokenError{
		Error:       code,
		Description: message,
		Errors:      []errorEntry{{Code: registryCode, Message: message}},
	})
}
