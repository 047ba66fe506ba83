package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth-dev/berth/internal/config"
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
	log       *slog.Logger
	now       func() time.Time
	// decoy is a bcrypt hash compared against when a name is unknown,
	// so that the answer takes as long as for a wrong password.
	decoy func() []byte
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
	accts, err := accounts(cfg)
	if err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	key, err := loadKey(keyPath, log)
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
		log:       log,
		now:       time.Now,
		decoy:     sync.OnceValue(func() []byte { return decoyHash(cost) }),
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

// loginFrom is login for a request: a client address that failed too
// often of late is refused at once with a *ThrottledError, and each
// failure counts against it.
func (s *Service) loginFrom(r *http.Request, name, password string) (*account, error) {
	key, now := clientKey(r), s.now()
	if wait := s.throttle.wait(key, now); wait > 0 {
		s.log.DebugContext(r.Context(), "login throttled", "account", name, "remote", r.RemoteAddr)
		return nil, &ThrottledError{RetryAfter: wait}
	}
	acct, err := s.login(name, password)
	if err != nil {
		s.log.InfoContext(r.Context(), "login failed", "account", name, "remote", r.RemoteAddr)
		if s.throttle.fail(key, now) {
			s.log.WarnContext(r.Context(), "too many failed logins: refusing logins from this address for a while",
				"remote", r.RemoteAddr, "per_minute", s.throttle.perMinute)
		}
	}
	return acct, err
}

// login checks a name and a password (a user's password, or a robot's
// token) and returns the account.
func (s *Service) login(name, password string) (*account, error) {
	acct := s.accounts[name]
	switch {
	case acct == nil:
		_ = bcrypt.CompareHashAndPassword(s.decoy(), []byte(password))
		return nil, errLogin
	case acct.robot():
		sum := sha256.Sum256([]byte(password))
		if subtle.ConstantTimeCompare(sum[:], acct.token) != 1 {
			return nil, errLogin
		}
		return acct, nil
	}
	now := s.now()
	if s.logins.has(name, password, now) {
		return acct, nil
	}
	if err := bcrypt.CompareHashAndPassword(acct.hash, []byte(password)); err != nil {
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
