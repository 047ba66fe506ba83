package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"

	"github.com/berth-dev/berth/internal/config"
)

// runCmd runs cmd with args and stdin, and returns its output.
func runCmd(t testing.TB, cmd *cobra.Command, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err = cmd.Execute()
	return out.String(), errb.String(), err
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newTestLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func loadConfigFile(t testing.TB, path string) config.Config {
	t.Helper()
	cfg := config.Default()
	if err := cfg.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestUserAdd(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		check func(t *testing.T, u config.User)
	}{
		{"a user with grants", "correct horse\n", []string{"alice", "--access", "team/**=pull,push", "--access", "shared/*=pull"},
			func(t *testing.T, u config.User) {
				want := []config.Grant{{Repos: "team/**", Actions: []string{"pull", "push"}}, {Repos: "shared/*", Actions: []string{"pull"}}}
				if u.Admin || !slices.EqualFunc(u.Access, want, func(a, b config.Grant) bool { return a.Repos == b.Repos && slices.Equal(a.Actions, b.Actions) }) {
					t.Fatalf("user %+v", u)
				}
			}},
		{"an admin", "correct horse", []string{"root", "--admin"},
			func(t *testing.T, u config.User) {
				if !u.Admin || len(u.Access) != 0 {
					t.Fatalf("user %+v", u)
				}
			}},
		{"a user with a grant on apps beside one on repositories", "correct horse\n", []string{"carol", "--access", "shop/**=pull", "--access", "app:shop=read,logs"},
			func(t *testing.T, u config.User) {
				if len(u.Access) != 2 || u.Access[0].Repos != "shop/**" || u.Access[0].Apps != "" ||
					u.Access[1].Apps != "shop" || u.Access[1].Repos != "" || !slices.Equal(u.Access[1].Actions, []string{"read", "logs"}) {
					t.Fatalf("access %+v", u.Access)
				}
			}},
		{"repeated actions are written once", "correct horse\r\n", []string{"bob", "--access", "a/b=pull, pull,delete"},
			func(t *testing.T, u config.User) {
				if !slices.Equal(u.Access[0].Actions, []string{"pull", "delete"}) {
					t.Fatalf("actions %v", u.Access[0].Actions)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "berth.yaml")
			stdout, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), tt.stdin, append(tt.args, "--config", path)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout, "SIGHUP") {
				t.Errorf("stdout %q", stdout)
			}
			cfg := loadConfigFile(t, path)
			if len(cfg.Auth.Users) != 1 {
				t.Fatalf("users %+v", cfg.Auth.Users)
			}
			u := cfg.Auth.Users[0]
			if err := bcrypt.CompareHashAndPassword([]byte(u.Password), []byte("correct horse")); err != nil {
				t.Fatalf("the hash does not match the first line of stdin: %v", err)
			}
			tt.check(t, u)
		})
	}
}

func TestUserAddRefuses(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "berth.yaml")
	if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "first password\n", "alice", "--config", existing); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(existing)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"an existing user without --replace", "", []string{"alice", "--config", existing}, "--replace"},
		{"a short password", "short\n", []string{"carol"}, "at least 8"},
		{"a password bcrypt cannot take", strings.Repeat("p", 73) + "\n", []string{"carol"}, "at most 72"},
		{"nothing on stdin", "", []string{"carol"}, "no password on standard input"},
		{"an empty first line", "\nsecond line\n", []string{"carol"}, "no password on standard input"},
		{"a bad name", "long enough\n", []string{"Carol"}, "account name"},
		{"the anonymous name", "long enough\n", []string{"anonymous"}, "reserved"},
		{"access without actions", "long enough\n", []string{"carol", "--access", "team/**"}, "PATTERN=ACTION"},
		{"access with an unknown action", "long enough\n", []string{"carol", "--access", "team/**=pull,tag"}, `action "tag"`},
		{"access with a bad pattern", "long enough\n", []string{"carol", "--access", "a/***=pull"}, "invalid pattern"},
		{"an app action on repositories", "long enough\n", []string{"carol", "--access", "shop/**=deploy"}, `action "deploy" is not for repos`},
		{"a repository action on apps", "long enough\n", []string{"carol", "--access", "app:shop=push"}, `action "push" is not for apps`},
		{"an unknown app action", "long enough\n", []string{"carol", "--access", "app:shop=fly"}, `action "fly": want read, logs, deploy`},
		{"an app without the app: prefix", "long enough\n", []string{"carol", "--access", "apps:shop=deploy"}, "for apps write app:PATTERN=ACTIONS"},
		{"an app prefix without a pattern", "long enough\n", []string{"carol", "--access", "app:=read"}, "want app:PATTERN"},
		{"no name", "long enough\n", nil, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !slices.Contains(args, "--config") {
				args = append(args, "--config", filepath.Join(t.TempDir(), "berth.yaml"))
			}
			_, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), tt.stdin, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one about %q", err, tt.want)
			}
			if after, _ := os.ReadFile(existing); !bytes.Equal(before, after) {
				t.Fatal("the existing config changed")
			}
			if _, err := os.Stat(args[len(args)-1]); args[len(args)-1] != existing && err == nil {
				t.Fatal("a config was written")
			}
		})
	}
}

func TestUserAddReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "first password\n", "alice", "--config", path, "--admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "second password\n", "alice", "--config", path, "--replace", "--access", "x/*=pull"); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfigFile(t, path)
	if len(cfg.Auth.Users) != 1 || cfg.Auth.Users[0].Admin || len(cfg.Auth.Users[0].Access) != 1 {
		t.Fatalf("users %+v", cfg.Auth.Users)
	}
	if bcrypt.CompareHashAndPassword([]byte(cfg.Auth.Users[0].Password), []byte("second password")) != nil {
		t.Fatal("the password was not replaced")
	}
}

func TestUserAddFindsTheConfigInTheEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "from-env.yaml")
	t.Setenv(config.EnvConfig, path)
	if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "long enough\n", "alice"); err != nil {
		t.Fatal(err)
	}
	if cfg := loadConfigFile(t, path); len(cfg.Auth.Users) != 1 {
		t.Fatalf("users %+v", cfg.Auth.Users)
	}
}

func TestUserAddHashesAtCost12(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	root := newRootCmd()
	if _, _, err := runCmd(t, root, "long enough\n", "user", "add", "alice", "--config", path); err != nil {
		t.Fatal(err)
	}
	cost, err := bcrypt.Cost([]byte(loadConfigFile(t, path).Auth.Users[0].Password))
	if err != nil || cost != 12 {
		t.Fatalf("cost %d %v", cost, err)
	}
}

func TestAccountCommandsExplainThemselves(t *testing.T) {
	for _, args := range [][]string{{"user", "--help"}, {"user", "add", "--help"}, {"robot", "--help"}, {"robot", "add", "--help"},
		{"user", "grant", "--help"}, {"robot", "grant", "--help"}} {
		var stdout bytes.Buffer
		if code := Run(context.Background(), args, &stdout, &bytes.Buffer{}); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		if !strings.Contains(stdout.String(), "restart") {
			t.Errorf("%v does not say to restart the server:\n%s", args, stdout.String())
		}
		if args[1] != "--help" && !strings.Contains(stdout.String(), "--access 'app:PATTERN=ACTIONS'") {
			t.Errorf("%v does not say how to grant rights on apps:\n%s", args, stdout.String())
		}
	}
}

func TestUserGrant(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if _, _, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "alice's password\n", "alice", "--access", "team/**=pull", "--config", path); err != nil {
		t.Fatal(err)
	}
	before := loadConfigFile(t, path).Auth.Users[0]
	stdout, _, err := runCmd(t, newUserGrantCmd(), "", "alice", "--access", "app:shop=deploy", "--access", "team/**=push", "--config", path)
	if err != nil || !strings.Contains(stdout, "SIGHUP") {
		t.Fatalf("%q %v", stdout, err)
	}
	u := loadConfigFile(t, path).Auth.Users[0]
	if u.Password != before.Password || len(u.Access) != 2 || !slices.Equal(u.Access[0].Actions, []string{"pull", "push"}) || u.Access[1].Apps != "shop" {
		t.Fatalf("user %+v", u)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a user the file does not have", []string{"bob", "--access", "app:shop=read"}, "no user"},
		{"no grant", []string{"alice"}, "--access"},
		{"a bad grant", []string{"alice", "--access", "app:shop=pull"}, "not for apps"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := runCmd(t, newUserGrantCmd(), "", append(tt.args, "--config", path)...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one about %q", err, tt.want)
			}
		})
	}
}

func FuzzParseGrants(f *testing.F) {
	for _, s := range []string{"shop/**=pull,push", "app:shop=deploy,read", "app:=read", "a:b=pull", "x=", "=pull", "app:p*=remove, approve"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		grants, err := parseGrants([]string{spec})
		if err != nil {
			return
		}
		if len(grants) != 1 || (grants[0].Repos == "") == (grants[0].Apps == "") {
			t.Fatalf("%q: grants %+v", spec, grants)
		}
		if err := config.CheckGrant(grants[0]); err != nil {
			t.Fatalf("%q was accepted as %+v, which the config refuses: %v", spec, grants[0], err)
		}
	})
}

func TestUserAddWithoutRightsWarns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	_, stderr, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "correct horse\n", "bob", "--config", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "warning: bob can log in but may do nothing") || !strings.Contains(stderr, "berth user grant bob --config "+path+" --access ") {
		t.Fatalf("stderr %q, want a warning with the grant command", stderr)
	}
	for _, args := range [][]string{{"alice", "--access", "team/**=pull"}, {"root", "--admin"}} {
		_, stderr, err := runCmd(t, newUserAddCmd(bcrypt.MinCost), "correct horse\n", append(args, "--config", path)...)
		if err != nil || strings.Contains(stderr, "warning") {
			t.Fatalf("%v: %v, stderr %q", args, err, stderr)
		}
	}
}
