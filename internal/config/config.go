package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Config is the configuration of `berth serve`.
type Config struct {
	// Listen is the address the registry and the JSON API listen on.
	Listen string `yaml:"listen"`
	// ProxyListen is the address of the edge proxy, which sends app
	// traffic to the containers berth deploys.
	ProxyListen string `yaml:"proxy_listen"`
	// DataDir holds every byte berth stores: blobs, uploads and metadata.
	DataDir string `yaml:"data"`
	// UploadTTL is how long an upload session may stay idle before it is
	// removed with its data.
	UploadTTL time.Duration `yaml:"upload_ttl"`
	// ShutdownTimeout bounds how long a clean shutdown waits for in-flight
	// requests before closing their connections.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	Log             Log           `yaml:"log"`
	// Labels are put on every container and network the deploy engine
	// creates, besides berth's own.
	Labels map[string]string `yaml:"labels"`
	// InsecureNoAuth allows serving without authentication on an address
	// other hosts can reach.
	InsecureNoAuth bool `yaml:"insecure_no_auth"`
	// Server configures the HTTP server on Listen: which hosts and web
	// origins it answers, and its timeouts.
	Server Server `yaml:"server"`
	// Proxy configures the edge proxy on ProxyListen.
	Proxy Proxy `yaml:"proxy"`
	// AccessLog says where the registry's and the proxy's access logs go.
	AccessLog AccessLog `yaml:"access_log"`

	Auth          Auth            `yaml:"auth"`
	ImmutableTags []TagRule       `yaml:"immutable_tags"`
	Retention     []RetentionRule `yaml:"retention"`
	GC            GC              `yaml:"gc"`
	Webhooks      []Webhook       `yaml:"webhooks"`

	// Environments are the stages apps run in, in order (see
	// Environment). None declared means one, DefaultEnvironment.
	Environments []Environment `yaml:"environments"`

	// Sources are the git repositories berth applies apps from. A reload
	// (SIGHUP) puts a change to them in force.
	Sources []Source `yaml:"sources"`
}

// Log configures berth's own log.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// Default returns the configuration berth uses when nothing is set.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:5000",
		ProxyListen:     "127.0.0.1:8000",
		DataDir:         "./berth-data",
		UploadTTL:       24 * time.Hour,
		ShutdownTimeout: 30 * time.Second,
		Log:             Log{Level: "info", Format: "text"},
		Auth:            Auth{Service: "berth", TokenTTL: 5 * time.Minute, FailedLoginsPerMinute: 10},
		GC:              GC{Interval: 24 * time.Hour, Grace: time.Hour},
		Server:          defaultServer(),
		Proxy:           defaultProxy(),
		AccessLog:       defaultAccessLog(),
		ImmutableTags:   DefaultImmutableTags(),
	}
}

// DefaultImmutableTags are the immutable_tags of a config that does not
// set them: release tags (v*) in every repository. `immutable_tags: []`
// turns them off.
func DefaultImmutableTags() []TagRule {
	return []TagRule{{Repos: "**", Tags: "v*"}}
}

// Env names of the settings that can come from the environment.
const (
	EnvConfig    = "BERTH_CONFIG"
	EnvListen    = "BERTH_LISTEN"
	EnvProxy     = "BERTH_PROXY_LISTEN"
	EnvData      = "BERTH_DATA"
	EnvUploadTTL = "BERTH_UPLOAD_TTL"
	EnvLogLevel  = "BERTH_LOG_LEVEL"
	EnvLogFormat = "BERTH_LOG_FORMAT"
)

// ApplyEnv overrides c with the BERTH_* variables that lookup finds set.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	if v, ok := lookup(EnvListen); ok {
		c.Listen = v
	}
	if v, ok := lookup(EnvProxy); ok {
		c.ProxyListen = v
	}
	if v, ok := lookup(EnvData); ok {
		c.DataDir = v
	}
	if v, ok := lookup(EnvUploadTTL); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("reading %s: %w", EnvUploadTTL, err)
		}
		c.UploadTTL = d
	}
	if v, ok := lookup(EnvLogLevel); ok {
		c.Log.Level = v
	}
	if v, ok := lookup(EnvLogFormat); ok {
		c.Log.Format = v
	}
	return c.applyServerEnv(lookup)
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		errs = append(errs, fmt.Errorf("listen address %q: want HOST:PORT: %w", c.Listen, err))
	} else if !c.Auth.Enabled() && !c.InsecureNoAuth && !IsLoopback(host) {
		errs = append(errs, fmt.Errorf("listening on %s without authentication would let anyone push and delete: "+
			"add users to the config's auth section, or pass --insecure-no-auth", c.Listen))
	}
	if _, _, err := net.SplitHostPort(c.ProxyListen); err != nil {
		errs = append(errs, fmt.Errorf("proxy listen address %q: want HOST:PORT: %w", c.ProxyListen, err))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data directory must not be empty"))
	}
	if c.UploadTTL < time.Minute {
		errs = append(errs, fmt.Errorf("upload TTL %s is shorter than the minimum of 1m", c.UploadTTL))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout %s must be positive", c.ShutdownTimeout))
	}
	if _, err := c.Level(); err != nil {
		errs = append(errs, err)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.Log.Format))
	}
	errs = append(errs, c.Auth.validate()...)
	errs = append(errs, c.Server.validate()...)
	errs = append(errs, c.Proxy.validate()...)
	errs = append(errs, c.AccessLog.validate()...)
	errs = append(errs, c.validatePolicy()...)
	errs = append(errs, c.validateEnvironments()...)
	errs = append(errs, c.validateSources()...)
	return errors.Join(errs...)
}

// IsLoopback reports whether host names only this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Level parses Log.Level.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", c.Log.Level)
	}
	return l, nil
}
