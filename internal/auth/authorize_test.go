package auth

import (
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testRealm = `realm="http://reg.example/token",service="berth-test"`
	challenge = `Bearer ` + testRealm
)

func TestAuthorize(t *testing.T) {
	s := newTestService(t, testConfig(t))
	other := newTestService(t, testConfig(t)) // same accounts, another key
	otherCfg := testConfig(t)
	otherCfg.Service = "elsewhere"
	elsewhere := newTestService(t, otherCfg)
	elsewhere.key = s.key

	bearer := func(svc *Service, actor string, access ...Access) string {
		return "Bearer " + mustIssue(t, svc, actor, access...)
	}
	signed := func(method jwt.SigningMethod, key any, c jwt.Claims) string {
		tok, err := jwt.NewWithClaims(method, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	shifted := func(d time.Duration) string {
		old := s.now
		s.now = func() time.Time { return testNow().Add(d) }
		defer func() { s.now = old }()
		return bearer(s, "alice", Access{TypeRepository, "team/app", []string{"pull"}})
	}
	valid := claims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Subject: "alice", Audience: jwt.ClaimStrings{"berth-test"},
		ExpiresAt: jwt.NewNumericDate(testNow().Add(time.Minute)), IssuedAt: jwt.NewNumericDate(testNow()),
	}, Access: []Access{{TypeRepository, "team/app", []string{"pull"}}}}
	noExpiry := valid
	noExpiry.ExpiresAt = nil
	foreign := valid
	foreign.Issuer = "someone-else"

	tests := []struct {
		name   string
		header string
		need   []Scope
		actor  string // when allowed
		denied bool   // 403
		// when 401: the challenge and the reason
		challenge, reason string
	}{
		{name: "no credentials at the base endpoint are asked to log in", need: nil,
			challenge: challenge, reason: "authentication required"},
		{name: "no credentials may pull a public repository", need: []Scope{repo("public/app", "pull")}, actor: Anonymous},
		{name: "no credentials may pull deep inside a public pattern", need: []Scope{repo("public/a/b/c", "pull")}, actor: Anonymous},
		{name: "no credentials pulling a private repository are asked to log in", need: []Scope{repo("team/app", "pull")},
			challenge: challenge + `,scope="repository:team/app:pull"`, reason: "authentication required"},
		{name: "no credentials pushing to a public repository are asked to log in", need: []Scope{repo("public/app", "push")},
			challenge: challenge + `,scope="repository:public/app:push"`, reason: "authentication required"},
		{name: "several scopes are listed in the challenge", need: []Scope{repo("team/app", "push"), repo("team/base", "pull")},
			challenge: challenge + `,scope="repository:team/app:push repository:team/base:pull"`, reason: "authentication required"},

		{name: "a user's password is enough for the base endpoint", header: basic("alice", alicePassword), actor: "alice"},
		{name: "a user may pull where granted", header: basic("alice", alicePassword), need: []Scope{repo("team/a/b", "pull")}, actor: "alice"},
		{name: "a user may push where granted", header: basic("alice", alicePassword), need: []Scope{repo("team/app", "push")}, actor: "alice"},
		{name: "a user may not push where only pull is granted", header: basic("alice", alicePassword), need: []Scope{repo("shared/lib", "push")}, denied: true},
		{name: "a single star does not cross a slash", header: basic("alice", alicePassword), need: []Scope{repo("shared/lib/deep", "pull")}, denied: true},
		{name: "a user may not delete without a delete grant", header: basic("alice", alicePassword), need: []Scope{repo("team/app", "delete")}, denied: true},
		{name: "a user without grants may pull a public repository", header: basic("bob", bobPassword), need: []Scope{repo("public/x", "pull")}, actor: "bob"},
		{name: "a user without grants is denied elsewhere", header: basic("bob", bobPassword), need: []Scope{repo("team/app", "pull")}, denied: true},
		{name: "a user may not read the catalog", header: basic("alice", alicePassword), need: []Scope{catalog()}, denied: true},
		{name: "an admin may read the catalog", header: basic("root", rootPassword), need: []Scope{catalog()}, actor: "root"},
		{name: "an admin may delete anywhere", header: basic("root", rootPassword), need: []Scope{repo("any/where", "delete")}, actor: "root"},
		{name: "a wrong password is asked to log in", header: basic("alice", "wrong-password"), need: []Scope{repo("team/app", "pull")},
			challenge: challenge + `,scope="repository:team/app:pull"`, reason: "invalid username or password"},
		{name: "an unknown user gets the same answer as a wrong password", header: basic("mallory", alicePassword), need: []Scope{repo("team/app", "pull")},
			challenge: challenge + `,scope="repository:team/app:pull"`, reason: "invalid username or password"},
		{name: "a wrong password is refused at the base endpoint too", header: basic("alice", "wrong-password"),
			challenge: challenge, reason: "invalid username or password"},
		{name: "the scheme is case-insensitive", header: "bAsIc " + strings.TrimPrefix(basic("alice", alicePassword), "Basic "), actor: "alice"},

		{name: "a robot logs in with its name and token", header: basic("ci", ciToken), need: []Scope{repo("apps/web", "pull", "push")}, actor: "ci"},
		{name: "a robot is denied outside its pattern", header: basic("ci", ciToken), need: []Scope{repo("team/app", "push")}, denied: true},
		{name: "a robot with a wrong token is asked to log in", header: basic("ci", "berth_wrong"), need: []Scope{repo("apps/web", "push")},
			challenge: challenge + `,scope="repository:apps/web:push"`, reason: "invalid username or password"},
		{name: "a robot's token is not a user's password", header: basic("alice", ciToken), challenge: challenge, reason: "invalid username or password"},

		{name: "a token with the scope is allowed", header: bearer(s, "alice", Access{TypeRepository, "team/app", []string{"pull", "push"}}),
			need: []Scope{repo("team/app", "push")}, actor: "alice"},
		{name: "a token is enough for the base endpoint", header: bearer(s, "alice"), actor: "alice"},
		{name: "the bearer scheme is case-insensitive", header: strings.Replace(bearer(s, "alice"), "Bearer", "BEARER", 1), actor: "alice"},
		{name: "an anonymous token is enough for the base endpoint", header: bearer(s, Anonymous), actor: Anonymous},
		{name: "an anonymous token may pull a public repository", header: bearer(s, Anonymous), need: []Scope{repo("public/x", "pull")}, actor: Anonymous},
		{name: "any token may pull a public repository it does not name", header: bearer(s, "bob"), need: []Scope{repo("public/x", "pull")}, actor: "bob"},
		{name: "a token without the scope gets insufficient_scope", header: bearer(s, "alice", Access{TypeRepository, "team/app", []string{"pull"}}),
			need:      []Scope{repo("team/app", "push")},
			challenge: challenge + `,scope="repository:team/app:push",error="insufficient_scope"`, reason: "token does not allow repository:team/app:push"},
		{name: "a token for another repository gets insufficient_scope", header: bearer(s, "alice", Access{TypeRepository, "team/app", []string{"pull"}}),
			need:      []Scope{repo("team/other", "pull")},
			challenge: challenge + `,scope="repository:team/other:pull",error="insufficient_scope"`, reason: "token does not allow repository:team/other:pull"},
		{name: "a token never grants more than its account has", header: bearer(s, "alice", Access{TypeRepository, "secret/app", []string{"push"}}),
			need:      []Scope{repo("secret/app", "push")},
			challenge: challenge + `,scope="repository:secret/app:push",error="insufficient_scope"`, reason: "token does not allow repository:secret/app:push"},
		{name: "an anonymous token cannot push", header: bearer(s, Anonymous, Access{TypeRepository, "public/x", []string{"push"}}),
			need:      []Scope{repo("public/x", "push")},
			challenge: challenge + `,scope="repository:public/x:push",error="insufficient_scope"`, reason: "token does not allow repository:public/x:push"},
		{name: "an admin token may read the catalog", header: bearer(s, "root", Access{TypeRegistry, "catalog", []string{"*"}}), need: []Scope{catalog()}, actor: "root"},

		{name: "an expired token is refused", header: shifted(-time.Hour), need: []Scope{repo("team/app", "pull")},
			challenge: challenge + `,scope="repository:team/app:pull",error="invalid_token"`, reason: "token expired"},
		{name: "a token expired within the leeway still works", header: shifted(-5*time.Minute - 10*time.Second), need: []Scope{repo("team/app", "pull")}, actor: "alice"},
		{name: "a token from the future is refused", header: shifted(time.Hour),
			challenge: challenge + `,error="invalid_token"`, reason: "token not valid yet"},
		{name: "a token for another service is refused", header: bearer(elsewhere, "alice"),
			challenge: challenge + `,error="invalid_token"`, reason: `token is for service "elsewhere", not "berth-test"`},
		{name: "a token signed with another key is refused", header: bearer(other, "alice"),
			challenge: challenge + `,error="invalid_token"`, reason: "token signature invalid"},
		{name: "a token signed with another HMAC is refused", header: signed(jwt.SigningMethodHS512, s.key, valid),
			challenge: challenge + `,error="invalid_token"`, reason: "token signature invalid"},
		{name: "an unsigned token is refused", header: signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid),
			challenge: challenge + `,error="invalid_token"`, reason: "token signature invalid"},
		{name: "a token without an expiry is refused", header: signed(jwt.SigningMethodHS256, s.key, noExpiry),
			challenge: challenge + `,error="invalid_token"`, reason: "token invalid"},
		{name: "a token from another issuer is refused", header: signed(jwt.SigningMethodHS256, s.key, foreign),
			challenge: challenge + `,error="invalid_token"`, reason: "token not issued by berth"},
		{name: "a token for a removed account is refused", header: bearer(s, "carol"),
			challenge: challenge + `,error="invalid_token"`, reason: "token is for an account that no longer exists"},
		{name: "a token that is not a JWT is refused", header: "Bearer abc.def",
			challenge: challenge + `,error="invalid_token"`, reason: "token malformed"},

		{name: "a scheme alone is malformed", header: "Basic", challenge: challenge, reason: "malformed Authorization header"},
		{name: "Basic with bad base64 is malformed", header: "Basic !!!", challenge: challenge, reason: "malformed Authorization header"},
		{name: "Basic without a colon is malformed", header: "Basic " + base64Std("alice"), challenge: challenge, reason: "malformed Authorization header"},
		{name: "Basic with an empty name is malformed", header: "Basic " + base64Std(":pw"), challenge: challenge, reason: "malformed Authorization header"},
		{name: "an empty Bearer is malformed", header: "Bearer ", challenge: challenge, reason: "malformed Authorization header"},
		{name: "a Bearer with spaces is malformed", header: "Bearer a b", challenge: challenge, reason: "malformed Authorization header"},
		{name: "an unknown scheme is malformed", header: "Digest username=alice", need: []Scope{repo("public/x", "pull")},
			challenge: challenge + `,scope="repository:public/x:pull"`, reason: "malformed Authorization header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actor, err := s.Authorize(request(tt.header), tt.need)
			switch {
			case tt.actor != "":
				if err != nil || actor != tt.actor {
					t.Fatalf("Authorize = %q, %v; want %q", actor, err, tt.actor)
				}
			case tt.denied:
				var d *DeniedError
				if !errors.Is(err, ErrDenied) || errors.Is(err, ErrUnauthorized) || !errors.As(err, &d) {
					t.Fatalf("Authorize = %q, %v; want ErrDenied", actor, err)
				}
			default:
				var ch *ChallengeError
				if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &ch) {
					t.Fatalf("Authorize = %q, %v; want a challenge", actor, err)
				}
				if ch.Challenge() != tt.challenge {
					t.Errorf("challenge\n got %s\nwant %s", ch.Challenge(), tt.challenge)
				}
				if err.Error() != tt.reason {
					t.Errorf("reason %q, want %q", err.Error(), tt.reason)
				}
			}
		})
	}
}

func TestRealm(t *testing.T) {
	cfg := testConfig(t)
	s := newTestService(t, cfg)
	t.Run("a TLS request is sent to https", func(t *testing.T) {
		r := request("")
		r.TLS = &tls.ConnectionState{}
		_, err := s.Authorize(r, nil)
		var ch *ChallengeError
		if !errors.As(err, &ch) || !strings.HasPrefix(ch.Challenge(), `Bearer realm="https://reg.example/token"`) {
			t.Fatalf("challenge %v", err)
		}
	})
	t.Run("a configured realm wins over the request", func(t *testing.T) {
		cfg.Realm = "https://auth.example/berth/token"
		s := newTestService(t, cfg)
		_, err := s.Authorize(request(""), nil)
		var ch *ChallengeError
		if !errors.As(err, &ch) || !strings.HasPrefix(ch.Challenge(), `Bearer realm="https://auth.example/berth/token"`) {
			t.Fatalf("challenge %v", err)
		}
	})
}

func TestChallengeQuotesWhatItCarries(t *testing.T) {
	got := bearerChallenge("http://a\"b\\c\r\n/token", "svc", nil, "")
	if want := `Bearer realm="http://a\"b\\c/token",service="svc"`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestAuthorizeConcurrently(t *testing.T) {
	s := newTestService(t, testConfig(t))
	token := "Bearer " + mustIssue(t, s, "alice", Access{TypeRepository, "team/app", []string{"pull"}})
	headers := []string{basic("alice", alicePassword), basic("bob", "wrong-password"), basic("nobody", "x"), basic("ci", ciToken), token, ""}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := headers[i%len(headers)]
			_, err := s.Authorize(request(h), []Scope{repo("team/app", "pull")})
			if ok := h == headers[0] || h == token; ok != (err == nil) {
				t.Errorf("%.12q: %v", h, err)
			}
		}()
	}
	wg.Wait()
}
