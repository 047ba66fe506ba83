package auth

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth-dev/berth/internal/config"
)

// Secrets of the accounts in testConfig.
const (
	alicePassword = "alice-password"
	bobPassword   = "bob-password"
	rootPassword  = "root-password"
	ciToken       = "berth_ci-token-for-tests"
)

// testNow is the time on the clock of the services the tests make.
func testNow() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }

// testConfig has a user with grants, one without, an admin, a robot and
// anonymous pull of public/**.
func testConfig(t testing.TB) config.Auth {
	t.Helper()
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	return config.Auth{
		Service:       "berth-test",
		TokenTTL:      5 * time.Minute,
		AnonymousPull: []string{"public/**"},
		Users: []config.User{
			{Name: "alice", Password: hash(alicePassword), Access: []config.Grant{
				{Repos: "team/**", Actions: []string{"pull", "push"}},
				{Repos: "shared/*", Actions: []string{"pull"}},
			}},
			{Name: "bob", Password: hash(bobPassword)},
			{Name: "root", Password: hash(rootPassword), Admin: true},
		},
		Robots: []config.Robot{
			{Name: "ci", Token: HashRobotToken(ciToken), Access: []config.Grant{
				{Repos: "apps/*", Actions: []string{"pull", "push"}},
			}},
		},
	}
}

// newTestService returns a service for cfg with its key in a temporary
// directory and its clock stopped at testNow.
func newTestService(t testing.TB, cfg config.Auth) *Service {
	t.Helper()
	s, err := New(cfg, filepath.Join(t.TempDir(), "auth", "token.key"), discard())
	if err != nil {
		t.Fatal(err)
	}
	s.now = testNow
	return s
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// request returns a registry request with the Authorization header h.
func request(h string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://reg.example/v2/", nil)
	if h != "" {
		r.Header.Set("Authorization", h)
	}
	return r
}

// mustIssue signs a token for actor with access at the service's clock.
func mustIssue(t testing.TB, s *Service, actor string, access ...Access) string {
	t.Helper()
	tok, err := s.issue(actor, access, s.now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func repo(name string, actions ...string) Scope {
	return Scope{Type: TypeRepository, Name: name, Actions: actions}
}

func catalog() Scope { return Scope{Type: TypeRegistry, Name: "catalog", Actions: []string{"*"}} }

// login is loginFrom for a request from the default test address.
func (s *Service) login(name, password string) (*account, error) {
	return s.loginFrom(request(""), name, password)
}

func app(name string, actions ...string) Scope {
	return Scope{Type: TypeApp, Name: name, Actions: actions}
}
