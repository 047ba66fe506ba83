package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProxySettings(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want time.Duration
		err  string // "" for valid
	}{
		{"the default cuts a body idle for 30s", "", 30 * time.Second, ""},
		{"the file sets the body idle timeout", "proxy:\n  body_idle_timeout: 2m\n", 2 * time.Minute, ""},
		{"a timeout under a second is refused", "proxy:\n  body_idle_timeout: 100ms\n", 0, "proxy.body_idle_timeout"},
		{"zero is refused, not taken as no timeout", "proxy:\n  body_idle_timeout: 0s\n", 0, "proxy.body_idle_timeout"},
		{"an unknown proxy key is refused", "proxy:\n  body_timeout: 1m\n", 0, "body_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "berth.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c := Default()
			err := c.LoadFile(path)
			if err == nil {
				err = c.Validate()
			}
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("got %v, want an error about %s", err, tt.err)
			case tt.err == "" && c.Proxy.BodyIdleTimeout != tt.want:
				t.Fatalf("body idle timeout %s, want %s", c.Proxy.BodyIdleTimeout, tt.want)
			}
		})
	}
}
