package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Server configures the HTTP server of the registry and the API, the one
// on Listen.
type Server struct {
	// AllowedHosts are host names and addresses, without a port, that the
	// registry and the API answer to besides loopback ones, localhost and
	// the listen address; a request naming another Host gets 421. Empty,
	// any Host is answered when berth authenticates or listens beyond
	// loopback, and only those when it serves without accounts on
	// loopback, so that a web page cannot reach it by DNS rebinding.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// AllowedOrigins are web origins (scheme://host[:port]) besides the
	// server's own whose pages may make state-changing requests.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// BodyIdleTimeout cuts a request body that sends nothing for this
	// long; an upload that keeps sending is never cut.
	BodyIdleTimeout time.Duration `yaml:"body_idle_timeout"`
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// IdleTimeout closes a kept-alive connection that waits this long for
	// its next request.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
}

// Env names of the server settings.
const (
	EnvAllowedHosts    = "BERTH_ALLOWED_HOSTS"     // comma-separated
	EnvAllowedOrigins  = "BERTH_ALLOWED_ORIGINS"   // comma-separated
	EnvBodyIdleTimeout = "BERTH_BODY_IDLE_TIMEOUT" // a duration
)

func defaultServer() Server {
	return Server{BodyIdleTimeout: time.Minute, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
}

// applyServerEnv overrides the server settings that lookup finds set.
func (c *Config) applyServerEnv(lookup func(string) (string, bool)) error {
	if v, ok := lookup(EnvAllowedHosts); ok {
		c.Server.AllowedHosts = SplitList(v)
	}
	if v, ok := lookup(EnvAllowedOrigins); ok {
		c.Server.AllowedOrigins = SplitList(v)
	}
	if v, ok := lookup(EnvBodyIdleTimeout); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("reading %s: %w", EnvBodyIdleTimeout, err)
		}
		c.Server.BodyIdleTimeout = d
	}
	return nil
}

// SplitList splits a comma-separated list, dropping blanks around and
// between the items.
func SplitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func (s Server) validate() []error {
	var errs []error
	for i, h := range s.AllowedHosts {
		if !validHost(h) {
			errs = append(errs, fmt.Errorf("server.allowed_hosts[%d] %q: want a host name or an IP address, without scheme or port", i, h))
		}
	}
	for i, o := range s.AllowedOrigins {
		if _, err := CanonicalOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("server.allowed_origins[%d]: %w", i, err))
		}
	}
	for name, d := range map[string]time.Duration{
		"server.body_idle_timeout":   s.BodyIdleTimeout,
		"server.read_header_timeout": s.ReadHeaderTimeout,
		"server.idle_timeout":        s.IdleTimeout,
	} {
		if d < time.Second {
			errs = append(errs, fmt.Errorf("%s %s: want at least 1s", name, d))
		}
	}
	return errs
}

// hostLabel is one dot-separated part of a host name.
var hostLabel = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$`)

// validHost reports whether h is a host name or an IP address (an IPv6
// one with or without brackets), with no port.
func validHost(h string) bool {
	if ip := strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"); net.ParseIP(ip) != nil {
		return true
	}
	name := strings.TrimSuffix(h, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if !hostLabel.MatchString(label) {
			return false
		}
	}
	return true
}

// CanonicalOrigin returns a web origin as browsers send it in the Origin
// header, scheme://host[:port], with scheme and host in lowercase and
// without the scheme's default port, so that two spellings of one origin
// compare equal. It refuses anything but an http or https origin.
func CanonicalOrigin(origin string) (string, error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.Opaque != "" {
		return "", fmt.Errorf("origin %q: want scheme://host[:port] with scheme http or https", origin)
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return "", fmt.Errorf("origin %q: port %q: want 1 to 65535", origin, port)
		}
		port = strconv.FormatUint(n, 10)
	}
	if port == "" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return scheme + "://" + host, nil
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}
