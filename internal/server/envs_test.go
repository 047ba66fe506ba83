package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

func TestEnvironmentsRunAreTheDeclaredThenThoseWithStateLeft(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"deploy.db", "deploy-old.db", "deploy-integration.db", "deploy-Not An Env.db", "deploy-.db", "meta.db"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Environments = []config.Environment{{Name: "integration"}, {Name: "qa"}}
	specs, err := envSpecs(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range specs {
		name := s.cfg.Name
		if !s.declared {
			name += " (undeclared)"
		}
		got = append(got, name)
	}
	if want := "integration,qa,old (undeclared),production (undeclared)"; strings.Join(got, ",") != want {
		t.Fatalf("environments run: %s, want %s", strings.Join(got, ","), want)
	}
	if storeFile("production") != "deploy.db" || storeFile("qa") != "deploy-qa.db" {
		t.Fatalf("store files: %s %s", storeFile("production"), storeFile("qa"))
	}
}

func TestWithoutEnvironmentsThereIsOneThatKeepsTheOldState(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	specs, err := envSpecs(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 1 || specs[0].cfg.Name != config.DefaultEnvironment || !specs[0].declared || storeFile(specs[0].cfg.Name) != "deploy.db" {
		t.Fatalf("environments: %+v", specs)
	}
}
