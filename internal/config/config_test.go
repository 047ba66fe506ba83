package config

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"a listen address without a port", func(c *Config) { c.Listen = "localhost" }, "listen address"},
		{"an empty data directory", func(c *Config) { c.DataDir = " " }, "data directory"},
		{"an upload TTL under a minute", func(c *Config) { c.UploadTTL = time.Second }, "upload TTL"},
		{"a zero shutdown timeout", func(c *Config) { c.ShutdownTimeout = 0 }, "shutdown timeout"},
		{"an unknown log level", func(c *Config) { c.Log.Level = "loud" }, "log level"},
		{"an unknown log format", func(c *Config) { c.Log.Format = "xml" }, "log format"},
		{"a public address without auth", func(c *Config) { c.Listen = "0.0.0.0:5000" }, "without authentication"},
		{"a user without a bcrypt hash", func(c *Config) {
			c.Auth.Users = []User{{Name: "alice", Password: "hunter2"}}
		}, "bcrypt"},
		{"a robot with a plain token", func(c *Config) {
			c.Auth.Robots = []Robot{{Name: "ci", Token: "secret"}}
		}, "sha256"},
		{"an account name with uppercase", func(c *Config) {
			c.Auth.Robots = []Robot{{Name: "CI", Token: "sha256:" + strings.Repeat("a", 64)}}
		}, "account name"},
		{"an unknown action", func(c *Config) {
			c.Auth.Robots = []Robot{{Name: "ci", Token: "sha256:" + strings.Repeat("a", 64), Access: []Grant{{Repos: "**", Actions: []string{"fly"}}}}}
		}, `action "fly"`},
		{"a retention rule that does nothing", func(c *Config) { c.Retention = []RetentionRule{{Repos: "**"}} }, "retention[0]"},
		{"a negative failed-login limit", func(c *Config) { c.Auth.FailedLoginsPerMinute = -1 }, "failed_logins_per_minute"},
		{"a GC grace under a minute", func(c *Config) { c.GC.Grace = time.Second }, "gc.grace"},
		{"a webhook with a short secret", func(c *Config) {
			c.Webhooks = []Webhook{{Name: "x", URL: "https://example.com/h", Secret: "short"}}
		}, "secret"},
		{"a webhook with a bad URL", func(c *Config) {
			c.Webhooks = []Webhook{{Name: "x", URL: "ftp://example.com", Secret: strings.Repeat("s", 16)}}
		}, "url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error about %s", err, tt.want)
			}
		})
	}
	t.Run("every problem is reported at once", func(t *testing.T) {
		c := Default()
		c.Listen, c.Log.Format = "x", "xml"
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "listen") || !strings.Contains(err.Error(), "log format") {
			t.Fatalf("Validate() = %v", err)
		}
	})
}

func TestPublicAddressWithAuthOrInsecureFlag(t *testing.T) {
	c := Default()
	c.Listen = "0.0.0.0:5000"
	c.InsecureNoAuth = true
	if err := c.Validate(); err != nil {
		t.Fatalf("with --insecure-no-auth: %v", err)
	}
	c.InsecureNoAuth = false
	c.Auth.Robots = []Robot{{Name: "ci", Token: "sha256:" + strings.Repeat("a", 64), Access: []Grant{{Repos: "**", Actions: []string{"pull"}}}}}
	if err := c.Validate(); err != nil {
		t.Fatalf("with auth: %v", err)
	}
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{
		EnvListen:    "127.0.0.1:6000",
		EnvData:      "/srv/berth",
		EnvUploadTTL: "2h",
		EnvLogLevel:  "debug",
		EnvLogFormat: "json",
		EnvProxy:     "127.0.0.1:8080",
	}
	c := Default()
	if err := c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:6000" || c.DataDir != "/srv/berth" || c.UploadTTL != 2*time.Hour || c.Log.Level != "debug" || c.Log.Format != "json" ||
		c.ProxyListen != "127.0.0.1:8080" {
		t.Fatalf("config after env = %+v", c)
	}
	bad := Default()
	err := bad.ApplyEnv(func(k string) (string, bool) { return "soon", k == EnvUploadTTL })
	if err == nil || !strings.Contains(err.Error(), EnvUploadTTL) {
		t.Fatalf("bad duration: %v", err)
	}
}

func TestProxyListenIsChecked(t *testing.T) {
	c := Default()
	if c.ProxyListen != "127.0.0.1:8000" {
		t.Fatalf("default proxy address %q", c.ProxyListen)
	}
	c.ProxyListen = "8000"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "proxy listen address") {
		t.Fatalf("a proxy address without a host: %v", err)
	}
}
