package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/api"
)

func TestPublishDeployTarget(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir(filepath.Join(dir, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"compose.yml", "deploy/shop.yaml"} {
		if err := os.WriteFile(name, []byte("name: shop\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		args      []string
		berthEnv  string
		file, env string
		live      bool
		err       string
	}{
		{name: "no --deploy deploys nothing", args: nil},
		{name: "a Compose file, as before", args: []string{"--deploy", "deploy/shop.yaml"}, file: "deploy/shop.yaml"},
		{name: "a Compose file in --env", args: []string{"--deploy", "deploy/shop.yaml", "--env", "qa"}, file: "deploy/shop.yaml", env: "qa"},
		{name: "a Compose file in BERTH_ENV", args: []string{"--deploy", "deploy/shop.yaml"}, berthEnv: "qa", file: "deploy/shop.yaml", env: "qa"},
		{name: "an environment: its apps that run the image, not a Compose file found here", args: []string{"--deploy", "integration"}, env: "integration", live: true},
		{name: "an environment beats BERTH_ENV", args: []string{"--deploy", "integration"}, berthEnv: "qa", env: "integration", live: true},
		{name: "an environment with --compose", args: []string{"--deploy", "integration", "--compose", "deploy/shop.yaml"}, file: "deploy/shop.yaml", env: "integration"},
		{name: "an environment and the same --env", args: []string{"--deploy", "qa", "--env", "qa"}, env: "qa", live: true},
		{name: "an environment and another --env", args: []string{"--deploy", "qa", "--env", "production"}, err: "name two environments"},
		{name: "a file that is not there", args: []string{"--deploy", "shop.yaml"}, err: "no such Compose file"},
		{name: "a --compose that is not there", args: []string{"--deploy", "qa", "--compose", "nope.yaml"}, err: "--compose \"nope.yaml\": no such Compose file"},
		{name: "--compose with a file", args: []string{"--deploy", "deploy/shop.yaml", "--compose", "compose.yml"}, err: "--compose goes with --deploy ENV"},
		{name: "--compose alone", args: []string{"--compose", "compose.yml"}, err: "add --deploy ENV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envEnvironment, tt.berthEnv)
			cmd := newPublishCmd()
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			var f publishFlags
			f.deploy, _ = cmd.Flags().GetString("deploy")
			f.compose, _ = cmd.Flags().GetString("compose")
			got, err := deployTarget(cmd, f)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("%v, want an error about %q", err, tt.err)
				}
				return
			}
			if err != nil || got.file != tt.file || got.env != tt.env || got.live != tt.live {
				t.Fatalf("%+v, %v; want file %q env %q live %v", got, err, tt.file, tt.env, tt.live)
			}
		})
	}
}

func TestPublishDeploysInTheEnvironment(t *testing.T) {
	file := writeCompose(t, t.TempDir(), "name: shop\nservices:\n  web:\n    image: 127.0.0.1:5000/shop/web:v1\n  db:\n    image: postgres:16\n")
	f, server := newFakeApps(t)
	cmd := newPublishCmd()
	if err := cmd.ParseFlags([]string{"--server", server}); err != nil {
		t.Fatal(err)
	}
	cmd.SetContext(context.Background())
	ref := "127.0.0.1:5000/shop/web:build-1@sha256:" + strings.Repeat("a", 64)
	var out bytes.Buffer
	rev, err := deployPublished(cmd, publishTarget{file: file, env: "integration"}, "127.0.0.1:5000/shop/web", ref, &out)
	if err != nil || rev.Number != 3 {
		t.Fatalf("%+v, %v\n%s", rev, err, out.String())
	}
	var req api.DeployRequest
	if err := json.Unmarshal([]byte(f.bodies["POST /api/apps/deploy"]), &req); err != nil {
		t.Fatal(err)
	}
	if req.Environment != "integration" || len(req.Images) != 1 || req.Images["web"] != ref {
		t.Fatalf("deploy request: environment %q, images %v", req.Environment, req.Images)
	}
	if !strings.HasPrefix(out.String(), "deploying revision 3 of integration/shop\n") {
		t.Fatalf("output %q", out.String())
	}
	if calls := f.callsSoFar(); !slices.Contains(calls, "GET /api/apps/shop/revisions/3/events?env=integration") {
		t.Fatalf("calls %q", calls)
	}
}
