package config

import (
	"strings"
	"testing"
)

func TestAccessLogValidate(t *testing.T) {
	tests := []struct {
		name     string
		registry string
		proxy    string
		want     string // "" for valid
	}{
		{"the defaults are valid", "stderr", "stderr", ""},
		{"off and a path are valid", "off", "/var/log/berth/proxy.log", ""},
		{"a relative path is valid", "access.log", "off", ""},
		{"an empty destination is refused", "", "stderr", "access_log.registry: want stderr, off or a file's path"},
		{"a directory is refused", "stderr", "/var/log/", `access_log.proxy: "/var/log/": want stderr, off or a file's path, not a directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			cfg.AccessLog = AccessLog{Registry: tt.registry, Proxy: tt.proxy}
			err := cfg.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDefaultAccessLogs(t *testing.T) {
	if got := Default().AccessLog; got.Registry != "stderr" || got.Proxy != "stderr" {
		t.Fatalf("default access_log = %+v, want both on stderr", got)
	}
}

func TestProxyTrustedProxiesValidate(t *testing.T) {
	cfg := Default()
	cfg.Proxy.TrustedProxies = []string{"10.0.0.0/8", "192.0.2.7", "nonsense"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), `proxy.trusted_proxies: [2] "nonsense": want an address or a CIDR range`) {
		t.Fatalf("Validate = %v", err)
	}
	cfg.Proxy.TrustedProxies = cfg.Proxy.TrustedProxies[:2]
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}
