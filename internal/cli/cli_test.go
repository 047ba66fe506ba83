package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

func TestServeSettingsPrecedence(t *testing.T) {
	t.Setenv(config.EnvListen, "127.0.0.1:7000")
	t.Setenv(config.EnvData, "/from/env")
	cmd := newServeCmd()
	if err := cmd.ParseFlags([]string{"--data", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cmd.Flags())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/from/flag" {
		t.Fatalf("a flag must beat the environment: data = %q", cfg.DataDir)
	}
	if cfg.Listen != "127.0.0.1:7000" {
		t.Fatalf("the environment must beat the default: listen = %q", cfg.Listen)
	}
	if cfg.UploadTTL != config.Default().UploadTTL {
		t.Fatalf("an unset setting keeps its default: upload TTL = %s", cfg.UploadTTL)
	}
}

func TestServeRefusesABadConfigurationBeforeStarting(t *testing.T) {
	var stderr bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--listen", "nowhere", "--data", t.TempDir()}, &bytes.Buffer{}, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "listen address") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if code := Run(context.Background(), []string{"version"}, &stdout, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(stdout.String(), "berth ") || !strings.Contains(stdout.String(), "go1") {
		t.Fatalf("version printed %q", stdout.String())
	}
}

func TestUnknownCommandFails(t *testing.T) {
	var stderr bytes.Buffer
	if code := Run(context.Background(), []string{"teleport"}, &bytes.Buffer{}, &stderr); code == 0 || !strings.Contains(stderr.String(), "unknown command") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestInitWritesAConfigServeAccepts(t *testing.T) {
	path := t.TempDir() + "/berth.yaml"
	if code := Run(context.Background(), []string{"init", "--config", path}, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatalf("init exit %d", code)
	}
	var stderr bytes.Buffer
	if code := Run(context.Background(), []string{"init", "--config", path}, &bytes.Buffer{}, &stderr); code == 0 || !strings.Contains(stderr.String(), "--force") {
		t.Fatalf("second init: exit %d, %q", code, stderr.String())
	}
	cmd := newServeCmd()
	if err := cmd.ParseFlags([]string{"--config", path}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cmd.Flags())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ImmutableTags) != 1 {
		t.Fatalf("config from init: %+v", cfg)
	}
}

func TestConfigFileIsBelowTheEnvironment(t *testing.T) {
	path := t.TempDir() + "/berth.yaml"
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:6001\ndata: /from/file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(config.EnvData, "/from/env")
	cmd := newServeCmd()
	if err := cmd.ParseFlags([]string{"--config", path}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cmd.Flags())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:6001" || cfg.DataDir != "/from/env" {
		t.Fatalf("listen %q data %q", cfg.Listen, cfg.DataDir)
	}
}

func TestServeRefusesAPublicAddressWithoutAuth(t *testing.T) {
	var stderr bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--listen", "0.0.0.0:0", "--data", t.TempDir()}, &bytes.Buffer{}, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "--insecure-no-auth") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestDashDashVersion(t *testing.T) {
	var stdout bytes.Buffer
	if code := Run(context.Background(), []string{"--version"}, &stdout, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(stdout.String(), "berth ") || !strings.Contains(stdout.String(), "go1") || strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("--version printed %q", stdout.String())
	}
}

func TestCommandsOfOneAppSayWhatIsMissing(t *testing.T) {
	for _, args := range [][]string{{"history"}, {"rollback"}, {"rollout", "promote"}, {"rollout", "abort"}, {"logs"}, {"remove"}, {"promote"}, {"approve"}} {
		var stderr bytes.Buffer
		if code := Run(context.Background(), args, &bytes.Buffer{}, &stderr); code == 0 {
			t.Fatalf("%v: exit 0", args)
		}
		if !strings.HasPrefix(stderr.String(), "berth: berth "+strings.Join(args, " ")+" APP") || !strings.Contains(stderr.String(), ": name the app (berth status lists them)") {
			t.Errorf("%v: stderr %q", args, stderr.String())
		}
	}
	var stderr bytes.Buffer
	Run(context.Background(), []string{"history", "shop", "extra"}, &bytes.Buffer{}, &stderr)
	if want := "berth: berth history APP: too many arguments: extra; see berth history --help\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

func TestAppCommandsHaveExamples(t *testing.T) {
	root := newRootCmd()
	for _, path := range [][]string{{"status"}, {"history"}, {"logs"}, {"rollback"}, {"rollout"}, {"rollout", "promote"}, {"deploy"}} {
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		if cmd.Long == "" && cmd.Parent() == root || cmd.Example == "" {
			t.Errorf("berth %s: Long %q, Example %q", strings.Join(path, " "), cmd.Long, cmd.Example)
		}
	}
}
