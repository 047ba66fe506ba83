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
		{"an unknown log level", func(c *Config) { c.LogLevel = "loud" }, "log level"},
		{"an unknown log format", func(c *Config) { c.LogFormat = "xml" }, "log format"},
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
		c.Listen, c.LogFormat = "x", "xml"
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "listen") || !strings.Contains(err.Error(), "log format") {
			t.Fatalf("Validate() = %v", err)
		}
	})
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{
		EnvListen:    "127.0.0.1:6000",
		EnvData:      "/srv/berth",
		EnvUploadTTL: "2h",
		EnvLogLevel:  "debug",
		EnvLogFormat: "json",
	}
	c := Default()
	if err := c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:6000" || c.DataDir != "/srv/berth" || c.UploadTTL != 2*time.Hour || c.LogLevel != "debug" || c.LogFormat != "json" {
		t.Fatalf("config after env = %+v", c)
	}
	bad := Default()
	err := bad.ApplyEnv(func(k string) (string, bool) { return "soon", k == EnvUploadTTL })
	if err == nil || !strings.Contains(err.Error(), EnvUploadTTL) {
		t.Fatalf("bad duration: %v", err)
	}
}
