package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testHash passes Validate's check for a bcrypt hash.
const testHash = "$2a$12$abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyza"

const testTokenHash = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func alice() User {
	return User{Name: "alice", Password: testHash, Access: []Grant{{Repos: "team/**", Actions: []string{"pull", "push"}}}}
}

func ciRobot() Robot {
	return Robot{Name: "ci", Token: testTokenHash, Access: []Grant{{Repos: "apps/*", Actions: []string{"push"}}}}
}

// writeConfig writes content to a berth.yaml in a new directory.
func writeConfig(t testing.TB, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func readConfig(t testing.TB, path string) (string, Config) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	if err := cfg.LoadFile(path); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return string(data), cfg
}

func TestAddUserToTheTemplate(t *testing.T) {
	path := writeConfig(t, Template, 0o600)
	if err := AddUser(path, alice(), false); err != nil {
		t.Fatal(err)
	}
	got, cfg := readConfig(t, path)
	want := strings.Replace(Template, "  users: []\n", `  users:
    - name: alice
      password: `+testHash+`
      access:
        - repos: team/**
          actions: [pull, push]
`, 1)
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if len(cfg.Auth.Users) != 1 || cfg.Auth.Users[0].Name != "alice" || cfg.Auth.Users[0].Admin {
		t.Fatalf("users %+v", cfg.Auth.Users)
	}
}

func TestAddAccounts(t *testing.T) {
	// A file written by hand: four-space indents, lists at the key's
	// column, aligned values, blank lines and comments everywhere.
	const handWritten = `# my registry
listen:     0.0.0.0:5000    # every interface
data:       /srv/berth

log:
    level:  debug

auth:
    service: berth   # the audience
    token_ttl: 10m

    # people
    users:
        # the first user
        - name: bob
          password: "` + testHash + `"   # set by hand
          admin: true

    anonymous_pull: ["public/**"]

# after auth
immutable_tags:
- repos: "**"
  tags: "v*"
`
	t.Run("other sections keep every byte", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		if err := AddUser(path, alice(), false); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		before, _, _ := strings.Cut(handWritten, "auth:\n")
		_, after, _ := strings.Cut(handWritten, "\n# after auth\n")
		if !strings.HasPrefix(got, before) || !strings.HasSuffix(got, "\n# after auth\n"+after) {
			t.Fatalf("the text around auth changed:\n%s", got)
		}
		for _, kept := range []string{"service: berth # the audience", "    # people\n", "        # the first user\n", "# set by hand", "\n\n    # people", "\n\n    anonymous_pull:"} {
			if !strings.Contains(got, kept) {
				t.Errorf("lost %q:\n%s", kept, got)
			}
		}
		if !strings.Contains(got, "        - name: alice\n          password: ") {
			t.Errorf("the new user does not follow the file's layout:\n%s", got)
		}
		if len(cfg.Auth.Users) != 2 || cfg.Auth.Users[0].Name != "bob" || cfg.Auth.Users[1].Name != "alice" {
			t.Fatalf("users %+v", cfg.Auth.Users)
		}
		if cfg.Listen != "0.0.0.0:5000" || cfg.Log.Level != "debug" || cfg.Auth.TokenTTL.Minutes() != 10 {
			t.Fatalf("settings changed: %+v", cfg)
		}
	})
	t.Run("an existing user is refused and the file left alone", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		bob := alice()
		bob.Name = "bob"
		if err := AddUser(path, bob, false); !errors.Is(err, ErrAccountExists) {
			t.Fatalf("AddUser: %v", err)
		}
		if got, _ := readConfig(t, path); got != handWritten {
			t.Fatalf("the file changed:\n%s", got)
		}
	})
	t.Run("replace puts the user in its place", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		bob := alice()
		bob.Name = "bob"
		if err := AddUser(path, bob, true); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		if len(cfg.Auth.Users) != 1 || cfg.Auth.Users[0].Admin || len(cfg.Auth.Users[0].Access) != 1 {
			t.Fatalf("users %+v", cfg.Auth.Users)
		}
		if !strings.Contains(got, "        # the first user\n        - name: bob\n") {
			t.Fatalf("the entry's comment moved:\n%s", got)
		}
	})
	t.Run("a robot gets a robots list", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		if err := AddRobot(path, ciRobot(), false); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		if len(cfg.Auth.Robots) != 1 || cfg.Auth.Robots[0].Token != testTokenHash || len(cfg.Auth.Users) != 1 {
			t.Fatalf("auth %+v", cfg.Auth)
		}
		if !strings.Contains(got, "    robots:\n        - name: ci\n") {
			t.Fatalf("robots:\n%s", got)
		}
	})
	t.Run("a name is unique across users and robots", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		r := ciRobot()
		r.Name = "bob"
		if err := AddRobot(path, r, true); !errors.Is(err, ErrAccountExists) || !strings.Contains(err.Error(), "auth.users") {
			t.Fatalf("AddRobot: %v", err)
		}
	})
}

func TestAddAccountToOtherFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string // in the result
	}{
		{"a file without an auth section gets one at the end", "listen: 127.0.0.1:5000\n# the end\n",
			"listen: 127.0.0.1:5000\n# the end\n\nauth:\n  users:\n    - name: alice\n"},
		{"an empty auth section is filled", "auth:\nlisten: 127.0.0.1:5000\n", "auth:\n  users:\n    - name: alice\n"},
		{"an empty file gets an auth section", "", "auth:\n  users:\n    - name: alice\n"},
		{"a file of comments keeps them", "# nothing yet\n", "# nothing yet\n"},
		{"a flow-style file is rewritten whole", `{listen: "127.0.0.1:5000", auth: {users: []}}`, "auth: {users: [{name: alice,"},
		{"a compact list style is followed", "immutable_tags:\n- repos: a\n  tags: b\nauth:\n  users: []\n", "  users:\n  - name: alice\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content, 0o600)
			if err := AddUser(path, alice(), false); err != nil {
				t.Fatal(err)
			}
			got, cfg := readConfig(t, path)
			if !strings.Contains(got, tt.want) || len(cfg.Auth.Users) != 1 {
				t.Fatalf("got\n%s\nwant it to hold\n%s", got, tt.want)
			}
		})
	}
}

func TestAddAccountRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content string
		user    User
		message string
	}{
		{"an invalid grant", Template, User{Name: "alice", Password: testHash, Access: []Grant{{Repos: "x", Actions: []string{"tag"}}}}, `action "tag"`},
		{"an invalid name", Template, User{Name: "Alice", Password: testHash}, "account name"},
		{"a file that is already invalid", "listen: nowhere\n", alice(), "listen address"},
		{"unknown keys", "colour: blue\n", alice(), "colour"},
		{"two documents", "listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n", alice(), "more than one YAML document"},
		{"a list at the top", "- a\n", alice(), "not a mapping"},
		{"auth that is not a mapping", "auth: yes\n", alice(), "auth is not a mapping"},
		{"users that are not a list", "auth:\n  users: alice\n", alice(), "auth.users is not a list"},
		{"YAML that does not parse", "auth: [\n", alice(), "parsing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content, 0o600)
			err := AddUser(path, tt.user, false)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("AddUser: %v, want an error about %q", err, tt.message)
			}
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Fatalf("the file changed:\n%s", data)
			}
		})
	}
}

func TestAddAccountWritesAtomically(t *testing.T) {
	t.Run("a missing file is made from the template, private", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "berth.yaml")
		if err := AddRobot(path, ciRobot(), false); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		if !strings.HasPrefix(got, "# berth configuration.") || len(cfg.ImmutableTags) != 1 || len(cfg.Auth.Robots) != 1 {
			t.Fatalf("new file:\n%s", got)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", fi.Mode().Perm())
		}
	})
	t.Run("the file keeps its mode and nothing is left beside it", func(t *testing.T) {
		path := writeConfig(t, Template, 0o640)
		if err := AddUser(path, alice(), false); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
			t.Fatalf("mode %v", fi.Mode().Perm())
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Fatalf("directory holds %v", entries)
		}
	})
	t.Run("a symlink stays a symlink", func(t *testing.T) {
		target := writeConfig(t, Template, 0o600)
		link := filepath.Join(t.TempDir(), "berth.yaml")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if err := AddUser(link, alice(), false); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the link was replaced: %v", err)
		}
		if _, cfg := readConfig(t, target); len(cfg.Auth.Users) != 1 {
			t.Fatal("the target was not edited")
		}
	})
	t.Run("a directory that cannot be written is an error", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes anywhere")
		}
		path := writeConfig(t, Template, 0o600)
		dir := filepath.Dir(path)
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		if err := AddUser(path, alice(), false); err == nil {
			t.Fatal("no error")
		}
	})
}
