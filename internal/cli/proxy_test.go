package cli

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
)

func TestProxySettingsPrecedence(t *testing.T) {
	path := t.TempDir() + "/berth.yaml"
	file := "proxy_listen: 127.0.0.1:9100\ndata: /from/file\nshutdown_timeout: 45s\nproxy:\n  body_idle_timeout: 3m\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(t *testing.T, args ...string) config.Config {
		t.Helper()
		cmd := newProxyCmd()
		if err := cmd.ParseFlags(append([]string{"--config", path}, args...)); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadProxyConfig(cmd.Flags())
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	t.Run("the file beats the defaults, as for berth serve", func(t *testing.T) {
		cfg := load(t)
		if cfg.ProxyListen != "127.0.0.1:9100" || cfg.DataDir != "/from/file" || cfg.ShutdownTimeout != 45*time.Second || cfg.Proxy.BodyIdleTimeout != 3*time.Minute {
			t.Fatalf("config %+v, want the file's proxy settings", cfg)
		}
	})
	t.Run("the environment beats the file", func(t *testing.T) {
		t.Setenv(config.EnvProxy, "127.0.0.1:9200")
		t.Setenv(config.EnvData, "/from/env")
		if cfg := load(t); cfg.ProxyListen != "127.0.0.1:9200" || cfg.DataDir != "/from/env" {
			t.Fatalf("listen %s, data %s, want the environment's", cfg.ProxyListen, cfg.DataDir)
		}
	})
	t.Run("flags beat the environment", func(t *testing.T) {
		t.Setenv(config.EnvProxy, "127.0.0.1:9200")
		cfg := load(t, "--listen", "127.0.0.1:9300", "--drain-timeout", "5s", "--body-idle-timeout", "90s")
		if cfg.ProxyListen != "127.0.0.1:9300" || cfg.ShutdownTimeout != 5*time.Second || cfg.Proxy.BodyIdleTimeout != 90*time.Second {
			t.Fatalf("config %+v, want the flags'", cfg)
		}
	})
	t.Run("berth serve's own settings do not stop the proxy", func(t *testing.T) {
		// Refused for berth serve without accounts, not the proxy's to
		// judge.
		t.Setenv(config.EnvListen, "0.0.0.0:5000")
		if cfg := load(t); cfg.Listen != "0.0.0.0:5000" {
			t.Fatalf("listen %s", cfg.Listen)
		}
	})
	t.Run("berth serve passes the access log and trusted proxies as flags", func(t *testing.T) {
		cfg := load(t, "--access-log", "/var/log/berth/proxy.log", "--trusted-proxies", "10.0.0.0/8, 192.0.2.1")
		if cfg.AccessLog.Proxy != "/var/log/berth/proxy.log" || strings.Join(cfg.Proxy.TrustedProxies, " ") != "10.0.0.0/8 192.0.2.1" {
			t.Fatalf("access_log %+v, trusted_proxies %q", cfg.AccessLog, cfg.Proxy.TrustedProxies)
		}
		if cfg := load(t, "--trusted-proxies", ""); len(cfg.Proxy.TrustedProxies) != 0 {
			t.Fatalf("trusted_proxies %q, want none", cfg.Proxy.TrustedProxies)
		}
	})
	for _, bad := range [][]string{{"--access-log", ""}, {"--trusted-proxies", "10.0.0.0/99"}} {
		t.Run("a bad "+bad[0]+" is refused", func(t *testing.T) {
			cmd := newProxyCmd()
			if err := cmd.ParseFlags(bad); err != nil {
				t.Fatal(err)
			}
			if _, err := loadProxyConfig(cmd.Flags()); err == nil {
				t.Fatalf("loadProxyConfig %v: no error", bad)
			}
		})
	}
	t.Run("a bad proxy setting is refused", func(t *testing.T) {
		cmd := newProxyCmd()
		if err := cmd.ParseFlags([]string{"--body-idle-timeout", "1ms"}); err != nil {
			t.Fatal(err)
		}
		if _, err := loadProxyConfig(cmd.Flags()); err == nil || !strings.Contains(err.Error(), "body_idle_timeout") {
			t.Fatalf("loadProxyConfig = %v, want the timeout refused", err)
		}
	})
}
