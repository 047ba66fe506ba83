package cli

import (
	"encoding/base64"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/berth-dev/berth/internal/auth"
)

func TestRobotAdd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	stdout, stderr, err := runCmd(t, newRobotAddCmd(), "", "ci", "--access", "apps/**=pull,push", "--config", path)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSuffix(stdout, "\n")
	if !strings.HasPrefix(token, auth.RobotTokenPrefix) || strings.Contains(token, "\n") {
		t.Fatalf("stdout %q is not one token", stdout)
	}
	for _, want := range []string{"will not be shown again", "docker login REGISTRY -u ci --password-stdin", "SIGHUP"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	cfg := loadConfigFile(t, path)
	if len(cfg.Auth.Robots) != 1 || cfg.Auth.Robots[0].Token != auth.HashRobotToken(token) {
		t.Fatalf("robots %+v", cfg.Auth.Robots)
	}
	t.Run("the token is not written to the file", func(t *testing.T) {
		if strings.Contains(readFile(t, path), strings.TrimPrefix(token, auth.RobotTokenPrefix)) {
			t.Fatal("the config holds the token")
		}
	})
	t.Run("an existing robot is refused", func(t *testing.T) {
		if _, _, err := runCmd(t, newRobotAddCmd(), "", "ci", "--access", "apps/**=pull", "--config", path); err == nil || !strings.Contains(err.Error(), "--replace") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("replace gives a new token", func(t *testing.T) {
		stdout, _, err := runCmd(t, newRobotAddCmd(), "", "ci", "--access", "apps/**=pull", "--config", path, "--replace")
		if err != nil {
			t.Fatal(err)
		}
		again := strings.TrimSpace(stdout)
		cfg := loadConfigFile(t, path)
		if again == token || len(cfg.Auth.Robots) != 1 || cfg.Auth.Robots[0].Token != auth.HashRobotToken(again) {
			t.Fatalf("robots %+v", cfg.Auth.Robots)
		}
	})
	t.Run("a user's name is taken", func(t *testing.T) {
		if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "long enough\n", "alice", "--config", path); err != nil {
			t.Fatal(err)
		}
		if _, _, err := runCmd(t, newRobotAddCmd(), "", "alice", "--access", "a=pull", "--config", path); err == nil || !strings.Contains(err.Error(), "user alice") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a robot needs access", func(t *testing.T) {
		if _, _, err := runCmd(t, newRobotAddCmd(), "", "bot", "--config", path); err == nil || !strings.Contains(err.Error(), "--access") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestRobotGrant(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	stdout, _, err := runCmd(t, newRobotAddCmd(), "", "ci", "--access", "shop/**=pull,push", "--config", path)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(stdout)
	if stdout, _, err := runCmd(t, newRobotGrantCmd(), "", "ci", "--access", "app:shop=deploy,read", "--config", path); err != nil || !strings.Contains(stdout, "SIGHUP") {
		t.Fatalf("%q %v", stdout, err)
	}
	r := loadConfigFile(t, path).Auth.Robots[0]
	if r.Token != auth.HashRobotToken(token) {
		t.Fatal("granting gave the robot a new token")
	}
	if len(r.Access) != 2 || r.Access[0].Repos != "shop/**" || r.Access[1].Apps != "shop" || strings.Join(r.Access[1].Actions, ",") != "deploy,read" {
		t.Fatalf("access %+v", r.Access)
	}
	t.Run("a user is not a robot", func(t *testing.T) {
		if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "long enough\n", "alice", "--config", path); err != nil {
			t.Fatal(err)
		}
		if _, _, err := runCmd(t, newRobotGrantCmd(), "", "alice", "--access", "app:shop=read", "--config", path); err == nil || !strings.Contains(err.Error(), "no robot") {
			t.Fatalf("error %v", err)
		}
	})
}

// TestServiceAcceptsWhatTheCommandsWrite logs in, as berth serve would
// check it, with the password and the token the commands saved.
func TestServiceAcceptsWhatTheCommandsWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "berth.yaml")
	if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "alice's password\n", "alice", "--access", "team/**=pull", "--config", path); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runCmd(t, newRobotAddCmd(), "", "ci", "--access", "apps/*=push", "--access", "app:shop=deploy", "--config", path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfigFile(t, path)
	svc, err := auth.New(cfg.Auth, filepath.Join(dir, "auth", "token.key"), newTestLogger())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, pass, scope string }{
		{"alice", "alice's password", "team/app"},
		{"ci", strings.TrimSpace(stdout), "apps/web"},
	} {
		r := httptest.NewRequest("GET", "http://reg.example/v2/", nil)
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(tc.user+":"+tc.pass)))
		action := map[string]string{"alice": "pull", "ci": "push"}[tc.user]
		actor, err := svc.Authorize(r, []auth.Scope{{Type: auth.TypeRepository, Name: tc.scope, Actions: []string{action}}})
		if err != nil || actor != tc.user {
			t.Fatalf("%s: %q %v", tc.user, actor, err)
		}
	}
	r := httptest.NewRequest("GET", "http://reg.example/api/apps/shop", nil)
	r.SetBasicAuth("ci", strings.TrimSpace(stdout))
	if actor, err := svc.Authorize(r, []auth.Scope{{Type: auth.TypeApp, Name: "shop", Actions: []string{"deploy"}}}); err != nil || actor != "ci" {
		t.Fatalf("ci deploying shop: %q %v", actor, err)
	}
}
