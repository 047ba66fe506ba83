package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// tokenAnswer is what the token endpoint said.
type tokenAnswer struct {
	status int
	header http.Header
	body   struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		IssuedAt    string `json:"issued_at"`
		Error       string `json:"error"`
		Errors      []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
}

func askToken(t testing.TB, s *Service, r *http.Request) tokenAnswer {
	t.Helper()
	w := httptest.NewRecorder()
	s.TokenHandler().ServeHTTP(w, r)
	a := tokenAnswer{status: w.Code, header: w.Header()}
	if err := json.Unmarshal(w.Body.Bytes(), &a.body); err != nil {
		t.Fatalf("status %d, body %q: %v", w.Code, w.Body.String(), err)
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := w.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	return a
}

func getToken(creds string, query ...string) *http.Request {
	q := url.Values{}
	for i := 0; i+1 < len(query); i += 2 {
		q.Add(query[i], query[i+1])
	}
	r := httptest.NewRequest(http.MethodGet, "http://reg.example/token?"+q.Encode(), nil)
	if creds != "" {
		r.Header.Set("Authorization", creds)
	}
	return r
}

func postToken(form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://reg.example/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestTokenEndpointGrants(t *testing.T) {
	s := newTestService(t, testConfig(t))
	tests := []struct {
		name  string
		req   *http.Request
		actor string
		want  []Access
	}{
		{"a login without scopes gets a token with no access",
			getToken(basic("alice", alicePassword), "service", "berth-test", "account", "alice"), "alice", []Access{}},
		{"the service may be left out",
			getToken(basic("alice", alicePassword)), "alice", []Access{}},
		{"the access is what the account has of what was asked",
			getToken(basic("alice", alicePassword), "scope", "repository:team/app:pull,push,delete", "scope", "repository:secret/app:pull", "scope", "repository:shared/lib:pull,push"),
			"alice", []Access{{TypeRepository, "team/app", []string{"pull", "push"}}, {TypeRepository, "shared/lib", []string{"pull"}}}},
		{"scopes may come space-separated in one parameter",
			getToken(basic("alice", alicePassword), "scope", "repository:team/a:pull repository:team/b:push"),
			"alice", []Access{{TypeRepository, "team/a", []string{"pull"}}, {TypeRepository, "team/b", []string{"push"}}}},
		{"scopes for one repository are merged",
			getToken(basic("alice", alicePassword), "scope", "repository:team/a:pull", "scope", "repository:team/a:push,pull"),
			"alice", []Access{{TypeRepository, "team/a", []string{"pull", "push"}}}},
		{"a star asks for every action",
			getToken(basic("root", rootPassword), "scope", "repository:any/app:*"),
			"root", []Access{{TypeRepository, "any/app", []string{"pull", "push", "delete"}}}},
		{"an admin gets the catalog",
			getToken(basic("root", rootPassword), "scope", "registry:catalog:*"),
			"root", []Access{{TypeRegistry, "catalog", []string{"*"}}}},
		{"a user does not get the catalog",
			getToken(basic("alice", alicePassword), "scope", "registry:catalog:*"), "alice", []Access{}},
		{"a robot logs in with its token",
			getToken(basic("ci", ciToken), "scope", "repository:apps/web:pull,push", "scope", "repository:team/app:push"),
			"ci", []Access{{TypeRepository, "apps/web", []string{"pull", "push"}}}},
		{"no credentials get an anonymous token with what anyone may do",
			getToken("", "scope", "repository:public/app:pull,push", "scope", "repository:team/app:pull"),
			Anonymous, []Access{{TypeRepository, "public/app", []string{"pull"}}}},
		{"an anonymous login without scopes still gets a token",
			getToken("", "service", "berth-test"), Anonymous, []Access{}},
		{"an OAuth2 password grant is accepted",
			postToken(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword},
				"service": {"berth-test"}, "scope": {"repository:team/app:pull repository:team/app:push"}, "client_id": {"docker"}}),
			"alice", []Access{{TypeRepository, "team/app", []string{"pull", "push"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := askToken(t, s, tt.req)
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %+v", a.status, a.body)
			}
			if a.body.Token == "" || a.body.Token != a.body.AccessToken {
				t.Fatalf("token %q, access_token %q", a.body.Token, a.body.AccessToken)
			}
			if a.body.ExpiresIn != 300 {
				t.Errorf("expires_in %d", a.body.ExpiresIn)
			}
			if at, err := time.Parse(time.RFC3339, a.body.IssuedAt); err != nil || !at.Equal(testNow()) {
				t.Errorf("issued_at %q %v", a.body.IssuedAt, err)
			}
			c, err := s.validate(a.body.Token)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != tt.actor {
				t.Errorf("sub %q, want %q", c.Subject, tt.actor)
			}
			if !slices.EqualFunc(c.Access, tt.want, func(a, b Access) bool {
				return a.Type == b.Type && a.Name == b.Name && slices.Equal(a.Actions, b.Actions)
			}) {
				t.Errorf("access %+v, want %+v", c.Access, tt.want)
			}
		})
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	s := newTestService(t, testConfig(t))
	tests := []struct {
		name      string
		req       *http.Request
		status    int
		error     string // the OAuth2 error code
		message   string // part of the message
		challenge string
	}{
		{"a wrong password", getToken(basic("alice", "wrong-password")), 401, "invalid_grant", "invalid username or password", `Basic realm="berth"`},
		{"an unknown user", getToken(basic("mallory", "whatever-pw")), 401, "invalid_grant", "invalid username or password", `Basic realm="berth"`},
		{"a malformed Authorization header", getToken("Basic %%%"), 401, "invalid_grant", "malformed", `Basic realm="berth"`},
		{"a Bearer token instead of credentials", getToken("Bearer " + mustIssue(t, s, "alice")), 401, "invalid_grant", "takes Basic credentials", `Basic realm="berth"`},
		{"another service", getToken(basic("alice", alicePassword), "service", "elsewhere"), 400, "invalid_request", `not "elsewhere"`, ""},
		{"an account that is not the one logging in", getToken(basic("alice", alicePassword), "account", "root"), 400, "invalid_request", `account "root"`, ""},
		{"an unparseable scope", getToken(basic("alice", alicePassword), "scope", "repository:team/app"), 400, "invalid_scope", "invalid scope", ""},
		{"an unknown resource type", getToken("", "scope", "repository(plugin):team/app:pull"), 400, "invalid_scope", "unknown resource type", ""},
		{"an unknown action", getToken("", "scope", "repository:team/app:pull,tag"), 400, "invalid_scope", `unknown action "tag"`, ""},
		{"an invalid repository name", getToken("", "scope", "repository:Team/App:pull"), 400, "invalid_scope", "invalid repository name", ""},
		{"a registry resource other than the catalog", getToken("", "scope", "registry:config:*"), 400, "invalid_scope", "unknown registry resource", ""},
		{"too many scopes", getToken("", "scope", strings.Repeat("repository:a:pull ", maxScopes+1)), 400, "invalid_scope", "at most 64", ""},
		{"a refresh token grant", postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}), 400, "unsupported_grant_type", "only password", ""},
		{"a form without a grant type", postToken(url.Values{"username": {"alice"}}), 400, "invalid_request", "grant_type is missing", ""},
		{"a password grant without a username", postToken(url.Values{"grant_type": {"password"}, "password": {"x"}}), 400, "invalid_request", "username is missing", ""},
		{"a password grant with a wrong password", postToken(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"nope"}}), 401, "invalid_grant", "invalid username or password", `Basic realm="berth"`},
		{"another method", httptest.NewRequest(http.MethodPut, "http://reg.example/token", nil), 405, "invalid_request", "GET or POST", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := askToken(t, s, tt.req)
			if a.status != tt.status || a.body.Error != tt.error {
				t.Fatalf("status %d error %q, want %d %q", a.status, a.body.Error, tt.status, tt.error)
			}
			if a.body.Token != "" {
				t.Fatal("a refusal carried a token")
			}
			if len(a.body.Errors) != 1 || !strings.Contains(a.body.Errors[0].Message, tt.message) {
				t.Errorf("errors %+v, want a message with %q", a.body.Errors, tt.message)
			}
			if got := a.header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
		})
	}
}

// TestTokenFlow follows a client through a challenge: refused without a
// token, it asks the endpoint for the scope in the challenge and comes
// back with the token.
func TestTokenFlow(t *testing.T) {
	s := newTestService(t, testConfig(t))
	need := []Scope{repo("team/app", "pull", "push")}
	_, err := s.Authorize(request(""), need)
	var ch *ChallengeError
	if !errors.As(err, &ch) {
		t.Fatalf("no challenge: %v", err)
	}
	_, scope, _ := strings.Cut(ch.Challenge(), `scope="`)
	scope, _, _ = strings.Cut(scope, `"`)

	a := askToken(t, s, getToken(basic("alice", alicePassword), "service", "berth-test", "scope", scope))
	actor, err := s.Authorize(request("Bearer "+a.body.Token), need)
	if err != nil || actor != "alice" {
		t.Fatalf("with the token: %q %v", actor, err)
	}
	anon := askToken(t, s, getToken("", "service", "berth-test", "scope", scope))
	_, err = s.Authorize(request("Bearer "+anon.body.Token), need)
	if !errors.As(err, &ch) || !strings.Contains(ch.Challenge(), `error="insufficient_scope"`) {
		t.Fatalf("anonymous token: %v", err)
	}
}

func TestTheLargestTokenIsAcceptedBack(t *testing.T) {
	s := newTestService(t, testConfig(t))
	var scopes []string
	for i := range maxScopes {
		scopes = append(scopes, fmt.Sprintf("repository:team/%0250d:pull,push", i))
	}
	a := askToken(t, s, getToken(basic("alice", alicePassword), "scope", strings.Join(scopes, " ")))
	if a.status != http.StatusOK {
		t.Fatalf("status %d %+v", a.status, a.body)
	}
	actor, err := s.Authorize(request("Bearer "+a.body.Token), []Scope{repo(fmt.Sprintf("team/%0250d", maxScopes-1), "push")})
	if err != nil || actor != "alice" {
		t.Fatalf("a %d-byte token: %q %v", len(a.body.Token), actor, err)
	}
}
