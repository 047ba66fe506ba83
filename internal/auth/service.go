package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/keyfile"
)

// Service authenticates registry requests and issues tokens for the
// accounts of one config.
type Service struct {
	service   string
	realm     string
	ttl       time.Duration
	anonymous []string // repository patterns anyone may pull
	accounts  map[string]*account
	key       []byte
	logins    *loginCache
	throttle  *throttle
	trusted   []netip.Prefix // proxies whose X-Forwarded-For is believed
	log       *slog.Logger
	now       func() time.Time
	// decoy is a bcrypt hash compared against when a name is unknown,
	// so that the answer takes as long as for a wrong password.
	decoy func() []byte
	// compare checks a password against a bcrypt hash.
	compare func(hash, password []byte) error
}

// New returns the service for cfg, signing tokens with the key at
// keyPath, which it creates on first use.
func New(cfg config.Auth, keyPath string, log *slog.Logger) (*Service, error) {
	if cfg.Service == "" {
		return nil, errors.New("creating auth service: the service name is empty")
	}
	if cfg.TokenTTL <= 0 {
		return nil, fmt.Errorf("creating auth service: token TTL %s is not positive", cfg.TokenTTL)
	}
	trusted, err := config.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("reading trusted proxies: %w", err)
	}
	accts, err := accounts(cfg)
	if err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	key, err := keyfile.Load(keyPath, keyfile.Kind{
		Name:  "token signing key",
		IfBad: "remove it to have a new key made (tokens already issued stop working)",
	}, log)
	if err != nil {
		return nil, fmt.Errorf("loading token key: %w", err)
	}
	logins, err := newLoginCache(loginCacheTTL, loginCacheSize)
	if err != nil {
		return nil, fmt.Errorf("creating login cache: %w", err)
	}
	cost := bcrypt.MinCost
	for _, u := range cfg.Users {
		if c, err := bcrypt.Cost([]byte(u.Password)); err == nil {
			cost = max(cost, c)
		}
	}
	return &Service{
		service:   cfg.Service,
		realm:     cfg.Realm,
		ttl:       cfg.TokenTTL,
		anonymous: cfg.AnonymousPull,
		accounts:  accts,
		key:       key,
		logins:    logins,
		throttle:  newThrottle(cfg.FailedLoginsPerMinute),
		trusted:   trusted,
		log:       log,
		now:       time.Now,
		decoy:     sync.OnceValue(func() []byte { return decoyHash(cost) }),
		compare:   bcrypt.CompareHashAndPassword,
	}, nil
}

func decoyHash(cost int) []byte {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	h, _ := bcrypt.GenerateFromPassword(secret, cost)
	return h
}

// errLogin is the one answer to a wrong name or password: it does not
// say which.
var errLogin = errors.New("invalid username or password")

// loginFrom checks a name and a password (a user's password, or a
// robot's token) sent with r and returns the account. Throttled clients
// are refused at once with a *ThrottledError (see throttle): a robot's
// token and a password that passed of late are known without bcrypt and
// cost the budgets nothing, and every other check reserves its share of
// them before it starts.
func (s *Service) loginFrom(r *http.Request, name, password string) (*account, error) {
	client, now := clientKey(clientAddr(r, s.trusted)), s.now()
	err := s.throttle.check(client, name, now)
	if err == nil {
		if acct := s.known(name, password, now); acct != nil {
			return acct, nil
		}
	}
	var tk ticket
	if err == nil {
		tk, err = s.throttle.reserve(client, name, now)
	}
	if err != nil {
		s.log.DebugContext(r.Context(), "login throttled", "account", name, "client", client, "remote", r.RemoteAddr)
		return nil, err
	}
	acct, err := s.check(name, password, now)
	if err == nil {
		s.throttle.succeeded(tk, s.now())
		return acct, nil
	}
	s.log.InfoContext(r.Context(), "login failed", "account", name, "client", client, "remote", r.RemoteAddr)
	clientOut, nameOut := s.throttle.failed(tk, s.now())
	if clientOut {
		s.log.WarnContext(r.Context(), "too many failed logins: refusing logins from this address for a while",
			"client", client, "remote", r.RemoteAddr, "per_minute", s.throttle.perMinute)
	}
	if nameOut {
		s.log.WarnContext(r.Context(), "too many failed logins for an account: refusing the addresses that failed against it for a while",
			"account", name, "per_minute", s.throttle.perMinute)
	}
	return nil, err
}

// known returns the account when password is the robot's token or a
// password that passed a check of late: what is known without bcrypt.
func (s *Service) known(name, password string, now time.Time) *account {
	acct := s.accounts[name]
	switch {
	case acct == nil:
		return nil
	case acct.robot():
		sum := sha256.Sum256([]byte(password))
		if subtle.ConstantTimeCompare(sum[:], acct.token) == 1 {
			return acct
		}
		return nil
	case s.logins.has(name, password, now):
		return acct
	}
	return nil
}

// check checks a name and a password the slow way: with bcrypt against
// a user's hash, and for any other name, and for a robot whose token was
// wrong, against the decoy. Every refusal then costs one bcrypt
// comparison, so that its time does not tell whether the name exists or
// is a robot's.
func (s *Service) check(name, password string, now time.Time) (*account, error) {
	acct := s.accounts[name]
	if acct == nil || acct.robot() {
		if acct != nil && s.known(name, password, now) == acct {
			return acct, nil
		}
		_ = s.compare(s.decoy(), []byte(password))
		return nil, errLogin
	}
	if err := s.compare(acct.hash, []byte(password)); err != nil {
		return nil, errLogin
	}
	s.logins.add(name, password, now)
	return acct, nil
}

// realmFor is the token endpoint's URL as the client of r reaches it.
func (s *Service) realmFor(r *http.Request) string {
	if s.realm != "" {
		return s.realm
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/token"
}
