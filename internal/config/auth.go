package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/pattern"
)

// Auth configures who may do what. With no users and no robots, berth
// does not authenticate at all.
type Auth struct {
	// Service is the audience of the tokens berth issues.
	Service string `yaml:"service"`
	// Realm is the URL of the token endpoint as clients must reach it.
	// Empty means http(s)://<the request's Host>/token.
	Realm string `yaml:"realm"`
	// TokenTTL is how long an issued token is valid.
	TokenTTL time.Duration `yaml:"token_ttl"`
	// AnonymousPull lists repository patterns anyone may pull from.
	AnonymousPull []string `yaml:"anonymous_pull"`
	// FailedLoginsPerMinute is how many failed logins a client address
	// may make in a burst, and then per minute; past it, its logins are
	// refused with 429 until it is under again. One account name has the
	// same budget against it from all addresses together. 0 turns the
	// limits off.
	FailedLoginsPerMinute int `yaml:"failed_logins_per_minute"`
	// TrustedProxies lists the addresses and CIDR ranges of the reverse
	// proxies in front of berth. Only a request from one of them has its
	// client address taken from X-Forwarded-For.
	TrustedProxies []string `yaml:"trusted_proxies"`
	Users          []User   `yaml:"users"`
	Robots         []Robot  `yaml:"robots"`
}

// User is a person who logs in with a password.
type User struct {
	Name string `yaml:"name"`
	// Password is a bcrypt hash, as `berth user add` writes it.
	Password string `yaml:"password"`
	// Admin grants every action on every repository and app, the
	// catalog and the registry's administrative API.
	Admin  bool    `yaml:"admin"`
	Access []Grant `yaml:"access"`
}

// Robot is a machine account, for CI, that logs in with a token.
type Robot struct {
	Name string `yaml:"name"`
	// Token is "sha256:<hex>" of the secret, as `berth robot add` writes
	// it; the secret itself is shown once and never stored.
	Token  string  `yaml:"token"`
	Access []Grant `yaml:"access"`
}

// Enabled reports whether berth authenticates requests.
func (a Auth) Enabled() bool { return len(a.Users) > 0 || len(a.Robots) > 0 }

var (
	accountName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	bcryptHash  = regexp.MustCompile(`^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$`)
	tokenHash   = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Anonymous is the actor of requests without credentials; no account may
// take the name.
const Anonymous = "anonymous"

// ValidateAccountName checks a user or robot name.
func ValidateAccountName(name string) error {
	if !accountName.MatchString(name) {
		return fmt.Errorf("account name %q: want 1-64 of [a-z0-9._-], starting with a letter or digit", name)
	}
	if name == Anonymous {
		return fmt.Errorf("account name %q is reserved for requests without credentials", name)
	}
	return nil
}

func (a Auth) validate() []error {
	var errs []error
	if a.Service == "" {
		errs = append(errs, errors.New("auth.service must not be empty"))
	}
	if a.TokenTTL < 10*time.Second || a.TokenTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("auth.token_ttl %s: want between 10s and 24h", a.TokenTTL))
	}
	if a.FailedLoginsPerMinute < 0 {
		errs = append(errs, fmt.Errorf("auth.failed_logins_per_minute %d: want 0 (no limit) or more", a.FailedLoginsPerMinute))
	}
	if a.Realm != "" && !strings.HasPrefix(a.Realm, "http://") && !strings.HasPrefix(a.Realm, "https://") {
		errs = append(errs, fmt.Errorf("auth.realm %q: want an http:// or https:// URL", a.Realm))
	}
	if _, err := ParseTrustedProxies(a.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("auth.trusted_proxies: %w", err))
	}
	for i, p := range a.AnonymousPull {
		if err := pattern.Validate(p); err != nil {
			errs = append(errs, fmt.Errorf("auth.anonymous_pull[%d]: %w", i, err))
		}
	}
	seen := map[string]bool{}
	account := func(kind, name string) {
		if err := ValidateAccountName(name); err != nil {
			errs = append(errs, fmt.Errorf("auth.%s: %w", kind, err))
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("auth.%s: %q is defined twice", kind, name))
		}
		seen[name] = true
	}
	for _, u := range a.Users {
		account("users", u.Name)
		if !bcryptHash.MatchString(u.Password) {
			errs = append(errs, fmt.Errorf("auth.users %q: password must be a bcrypt hash (use `berth user add`)", u.Name))
		}
		errs = append(errs, validateGrants("auth.users "+u.Name, u.Access)...)
	}
	for _, r := range a.Robots {
		account("robots", r.Name)
		if !tokenHash.MatchString(r.Token) {
			errs = append(errs, fmt.Errorf("auth.robots %q: token must be sha256:<64 hex> (use `berth robot add`)", r.Name))
		}
		errs = append(errs, validateGrants("auth.robots "+r.Name, r.Access)...)
	}
	return errs
}

func validateGrants(where string, grants []Grant) []error {
	var errs []error
	for i, g := range grants {
		for _, p := range g.problems() {
			errs = append(errs, fmt.Errorf("%s access[%d]: %s", where, i, p))
		}
	}
	return errs
}

// ParseTrustedProxies reads auth.trusted_proxies or proxy.trusted_proxies:
// each an address
// ("10.0.0.5", "::1") or a CIDR range ("10.0.0.0/8").
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("[%d] %q: want an address or a CIDR range", i, s)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
