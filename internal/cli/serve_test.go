package cli

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
)

func TestServerSettingsPrecedence(t *testing.T) {
	path := t.TempDir() + "/berth.yaml"
	file := "server:\n  allowed_hosts: [from.file]\n  allowed_origins: [\"https://from.file\"]\n  body_idle_timeout: 3m\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(config.EnvAllowedHosts, "from.env,also.env")
	t.Setenv(config.EnvBodyIdleTimeout, "2m")
	cmd := newServeCmd()
	if err := cmd.ParseFlags([]string{"--config", path, "--allowed-host", "from.flag", "--allowed-host", "10.0.0.5",
		"--body-idle-timeout", "90s"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cmd.Flags())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Server.AllowedHosts, []string{"from.flag", "10.0.0.5"}) || cfg.Server.BodyIdleTimeout != 90*time.Second {
		t.Fatalf("flags must beat the environment: %+v", cfg.Server)
	}
	if !slices.Equal(cfg.Server.AllowedOrigins, []string{"https://from.file"}) {
		t.Fatalf("the file must beat the defaults: %+v", cfg.Server)
	}

	cmd = newServeCmd()
	if err := cmd.ParseFlags([]string{"--config", path}); err != nil {
		t.Fatal(err)
	}
	if cfg, err = loadConfig(cmd.Flags()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Server.AllowedHosts, []string{"from.env", "also.env"}) || cfg.Server.BodyIdleTimeout != 2*time.Minute {
		t.Fatalf("the environment must beat the file: %+v", cfg.Server)
	}
}

func TestServeRefusesABadOrigin(t *testing.T) {
	cmd := newServeCmd()
	if err := cmd.ParseFlags([]string{"--allowed-origin", "berth.example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(cmd.Flags()); err == nil || !strings.Contains(err.Error(), "server.allowed_origins[0]") {
		t.Fatalf("loadConfig = %v, want the origin refused", err)
	}
}
