package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAddSourceToTheTemplate(t *testing.T) {
	path := writeConfig(t, Template, 0o600)
	s := NewSource("config", "https://git.example.com/ops/config.git")
	s.Path, s.Auth = "apps", SourceAuth{Username: "berth", PasswordEnv: "GIT_TOKEN"}
	if err := AddSource(path, s, false); err != nil {
		t.Fatal(err)
	}
	got, cfg := readConfig(t, path)
	want := strings.Replace(Template, "sources: []\n", `sources:
  - name: config
    url: https://git.example.com/ops/config.git
    branch: main
    path: apps
    auth:
      username: berth
      password_env: GIT_TOKEN
`, 1)
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if len(cfg.Sources) != 1 || !cfg.Sources[0].Equal(s) {
		t.Fatalf("sources %+v, want %+v", cfg.Sources, s)
	}
}

func TestAddSourceWritesWhatDiffersFromTheDefaults(t *testing.T) {
	s := NewSource("ops", "git@git.example.com:ops/config.git")
	s.Branch, s.Interval, s.Prune, s.Suspend = "production", 90*time.Second, false, true
	s.Auth = SourceAuth{SSHKeyFile: "/etc/berth/id_ed25519", SSHKeyPassphraseFile: "/etc/berth/pass", KnownHostsFile: "/etc/berth/known_hosts"}
	s.Webhook = SourceWebhook{SecretFile: "/etc/berth/hook"}
	s.Commit.Author = SourceAuthor{Name: "Deploy Bot", Email: "deploy@example.com"}
	path := writeConfig(t, "listen: 127.0.0.1:5000\n", 0o600)
	if err := AddSource(path, s, false); err != nil {
		t.Fatal(err)
	}
	got, cfg := readConfig(t, path)
	for _, want := range []string{"interval: 1m30s\n", "prune: false\n", "suspend: true\n", "webhook:\n      secret_file: /etc/berth/hook\n",
		"commit:\n      author:\n        name: Deploy Bot\n        email: deploy@example.com\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if len(cfg.Sources) != 1 || !cfg.Sources[0].Equal(s) {
		t.Fatalf("sources %+v, want %+v", cfg.Sources, s)
	}
}

func TestAddAndRemoveSourcesInAHandWrittenFile(t *testing.T) {
	const handWritten = `# my berth
listen:   127.0.0.1:5000   # loopback only

sources:
    # the platform team's repository
    - name: platform
      url: https://git.example.com/platform.git   # mirrored nightly
      branch: main

# the end
gc:
    interval: 1h
`
	t.Run("a second source follows the file's layout and keeps its comments", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		if err := AddSource(path, NewSource("shop", "/srv/git/shop"), false); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		before, _, _ := strings.Cut(handWritten, "sources:\n")
		if !strings.HasPrefix(got, before) || !strings.HasSuffix(got, "\n# the end\ngc:\n    interval: 1h\n") {
			t.Fatalf("the text around sources changed:\n%s", got)
		}
		for _, kept := range []string{"    # the platform team's repository\n", "# mirrored nightly", "    - name: shop\n      url: /srv/git/shop\n"} {
			if !strings.Contains(got, kept) {
				t.Errorf("lacks %q:\n%s", kept, got)
			}
		}
		if len(cfg.Sources) != 2 || cfg.Sources[0].Name != "platform" || cfg.Sources[1].Name != "shop" {
			t.Fatalf("sources %+v", cfg.Sources)
		}
	})
	t.Run("an existing source is refused and the file left alone", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		if err := AddSource(path, NewSource("platform", "/srv/x"), false); !errors.Is(err, ErrSourceExists) {
			t.Fatalf("AddSource: %v", err)
		}
		if got, _ := readConfig(t, path); got != handWritten {
			t.Fatalf("the file changed:\n%s", got)
		}
	})
	t.Run("replace puts the source in its place with its comment", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		s := NewSource("platform", "https://git.example.com/platform.git")
		s.Branch = "stable"
		if err := AddSource(path, s, true); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		if len(cfg.Sources) != 1 || cfg.Sources[0].Branch != "stable" {
			t.Fatalf("sources %+v", cfg.Sources)
		}
		if !strings.Contains(got, "    # the platform team's repository\n    - name: platform\n") {
			t.Fatalf("the entry's comment moved:\n%s", got)
		}
	})
	t.Run("remove takes the source out and leaves an empty list", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		if err := RemoveSource(path, "platform"); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		want := "# my berth\nlisten:   127.0.0.1:5000   # loopback only\n\nsources: []\n\n# the end\ngc:\n    interval: 1h\n"
		if got != want || len(cfg.Sources) != 0 {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("remove of a source the file lacks is refused", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		if err := RemoveSource(path, "shop"); !errors.Is(err, ErrSourceUnknown) || !strings.Contains(err.Error(), "shop") {
			t.Fatalf("RemoveSource: %v", err)
		}
		if got, _ := readConfig(t, path); got != handWritten {
			t.Fatalf("the file changed:\n%s", got)
		}
	})
	t.Run("remove keeps the other sources", func(t *testing.T) {
		path := writeConfig(t, handWritten, 0o600)
		for _, name := range []string{"a", "b"} {
			if err := AddSource(path, NewSource(name, "/srv/git/"+name), false); err != nil {
				t.Fatal(err)
			}
		}
		if err := RemoveSource(path, "a"); err != nil {
			t.Fatal(err)
		}
		got, cfg := readConfig(t, path)
		if len(cfg.Sources) != 2 || cfg.Sources[0].Name != "platform" || cfg.Sources[1].Name != "b" || !strings.Contains(got, "# mirrored nightly") {
			t.Fatalf("sources %+v\n%s", cfg.Sources, got)
		}
	})
}

func TestAddSourceRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content string
		source  Source
		message string
	}{
		{"an invalid source", Template, NewSource("config", "http://git.example.com/r.git"), "clear text"},
		{"a name with capitals", Template, NewSource("Config", "/srv/r"), "source name"},
		{"the same files as another source", "sources:\n  - {name: a, url: /srv/r, branch: main}\n", NewSource("b", "/srv/r"), "would fight"},
		{"sources that are not a list", "sources: config\n", NewSource("a", "/srv/r"), "sources is not a list"},
		{"a file that is already invalid", "listen: nowhere\n", NewSource("a", "/srv/r"), "listen address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content, 0o600)
			err := AddSource(path, tt.source, false)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("AddSource: %v, want an error about %q", err, tt.message)
			}
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Fatalf("the file changed:\n%s", data)
			}
		})
	}
}

func TestAddSourceToAMissingFileUsesTheTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if err := AddSource(path, NewSource("config", "/srv/git/config"), false); err != nil {
		t.Fatal(err)
	}
	got, cfg := readConfig(t, path)
	if !strings.HasPrefix(got, "# berth configuration.") || len(cfg.Sources) != 1 || len(cfg.ImmutableTags) != 1 {
		t.Fatalf("new file:\n%s", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", 90 * time.Second: "1m30s", time.Hour: "1h", 90 * time.Minute: "1h30m", 10 * time.Second: "10s", time.Hour + time.Second: "1h0m1s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
