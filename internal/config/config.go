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
	// Listen is the address the registry API listens on.
	Listen string
	// DataDir holds every byte berth stores: blobs, uploads and metadata.
	DataDir string
	// UploadTTL is how long an upload session may stay idle before it is
	// removed with its data.
	UploadTTL time.Duration
	// ShutdownTimeout bounds how long a clean shutdown waits for in-flight
	// requests before closing their connections.
	ShutdownTimeout time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogFormat is text or json.
	LogFormat string
}

// Default returns the configuration berth uses when nothing is set.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:5000",
		DataDir:         "./berth-data",
		UploadTTL:       24 * time.Hour,
		ShutdownTimeout: 30 * time.Second,
		LogLevel:        "info",
		LogFormat:       "text",
	}
}

// Env names of the settings that can come from the environment.
const (
	EnvListen    = "BERTH_LISTEN"
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
		c.LogLevel = v
	}
	if v, ok := lookup(EnvLogFormat); ok {
		c.LogFormat = v
	}
	return nil
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen address %q: want HOST:PORT: %w", c.Listen, err))
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
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// Level parses LogLevel.
func (c Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}
