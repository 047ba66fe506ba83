package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// sourceFile is a config whose sources list is given.
func sourceFile(sources string) string { return "listen: 127.0.0.1:5000\nsources:\n" + sources }

func TestLoadSourceAppliesTheDefaults(t *testing.T) {
	c := Default()
	if err := c.load([]byte(sourceFile("  - name: config\n    url: https://git.example.com/ops/config.git\n")), "berth.yaml"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 1 {
		t.Fatalf("sources %+v", c.Sources)
	}
	s := c.Sources[0]
	want := NewSource("config", "https://git.example.com/ops/config.git")
	if !s.Equal(want) {
		t.Fatalf("source\n%+v\nwant\n%+v", s, want)
	}
	if s.Branch != "main" || s.Interval != time.Minute || !s.Prune || s.Suspend || s.Path != "" ||
		s.Commit.Author.Name != "berth" || !strings.HasPrefix(s.Commit.Author.Email, "berth@") || s.Webhook.Enabled() {
		t.Fatalf("defaults %+v", s)
	}
}

func TestLoadSourceReadsEverySetting(t *testing.T) {
	c := Default()
	err := c.load([]byte(sourceFile(`  - name: config
    url: git@git.example.com:ops/config.git
    branch: release/2.x
    path: envs/production
    interval: 30s
    prune: false
    suspend: true
    auth:
      ssh_key_file: /etc/berth/id_ed25519
      ssh_key_passphrase_env: KEY_PASS
      known_hosts_file: /etc/berth/known_hosts
    webhook:
      secret_file: /etc/berth/hook-secret
    commit:
      author: {name: Deploy Bot, email: deploy@example.com}
  - name: local
    url: /srv/git/config
`)), "berth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	got := c.Sources[0]
	want := Source{
		Name: "config", URL: "git@git.example.com:ops/config.git", Branch: "release/2.x", Path: "envs/production",
		Interval: 30 * time.Second, Prune: false, Suspend: true,
		Auth:    SourceAuth{SSHKeyFile: "/etc/berth/id_ed25519", SSHKeyPassphraseEnv: "KEY_PASS", KnownHostsFile: "/etc/berth/known_hosts"},
		Webhook: SourceWebhook{SecretFile: "/etc/berth/hook-secret"},
		Commit:  SourceCommit{Author: SourceAuthor{Name: "Deploy Bot", Email: "deploy@example.com"}},
	}
	if !got.Equal(want) {
		t.Fatalf("source\n%+v\nwant\n%+v", got, want)
	}
	if !got.Webhook.Enabled() || !c.Sources[1].Prune {
		t.Fatalf("sources %+v", c.Sources)
	}
}

func TestLoadSourceRefuses(t *testing.T) {
	tests := []struct {
		name    string
		sources string
		want    []string
	}{
		{"an inline password, with the reason and its line",
			"  - name: config\n    url: https://h/r.git\n    auth:\n      username: berth\n      password: hunter2hunter2\n",
			[]string{"yaml:7:", "auth.password", "write it to a file or an environment variable and name that", "password_file or password_env"}},
		{"an inline token at the top of the source",
			"  - name: config\n    url: https://h/r.git\n    token: abc\n",
			[]string{"yaml:5:", "token", "write it to a file or an environment variable"}},
		{"an inline webhook secret",
			"  - name: config\n    url: https://h/r.git\n    webhook:\n      secret: abcdefghijklmnopq\n",
			[]string{"yaml:6:", "webhook.secret", "secret_file or secret_env"}},
		{"the secret is not in the message",
			"  - name: config\n    url: https://h/r.git\n    auth:\n      password: hunter2hunter2\n",
			[]string{"auth.password"}},
		{"a bad name", "  - name: Config\n    url: https://h/r.git\n", []string{"yaml:3:", `source name "Config"`}},
		{"an interval under 10s, on its line", "  - name: c\n    url: https://h/r.git\n    interval: 5s\n", []string{"yaml:5:", "interval", "at least 10s"}},
		{"a path that climbs out", "  - name: c\n    url: https://h/r.git\n    path: ../etc\n", []string{"yaml:5:", "path"}},
		{"an absolute path", "  - name: c\n    url: https://h/r.git\n    path: /apps\n", []string{"yaml:5:", "relative"}},
		{"a branch written as a ref", "  - name: c\n    url: https://h/r.git\n    branch: refs/heads/main\n", []string{"yaml:5:", "such as main"}},
		{"a branch git refuses", "  - name: c\n    url: https://h/r.git\n    branch: a..b\n", []string{"yaml:5:", "not a valid git branch"}},
		{"no URL", "  - name: c\n", []string{"yaml:3:", "url"}},
		{"http beyond loopback", "  - name: c\n    url: http://git.example.com/r.git\n", []string{"yaml:4:", "clear text", "https://"}},
		{"credentials in the URL, without them in the message", "  - name: c\n    url: https://berth:hunter2@h/r.git\n", []string{"yaml:4:", "credentials in the URL"}},
		{"a token as the URL's user", "  - name: c\n    url: https://ghp_abc@h/r.git\n", []string{"credentials in the URL"}},
		{"an unknown scheme", "  - name: c\n    url: git://h/r.git\n", []string{"yaml:4:", "want file://"}},
		{"an SSH key without known hosts", "  - name: c\n    url: ssh://git@h/r.git\n    auth:\n      ssh_key_file: /k\n", []string{"yaml:6:", "known_hosts_file"}},
		{"an SSH key for an https URL", "  - name: c\n    url: https://h/r.git\n    auth:\n      ssh_key_file: /k\n      known_hosts_file: /kh\n", []string{"yaml:6:", "ssh://"}},
		{"a password from a file and from a variable", "  - name: c\n    url: https://h/r.git\n    auth:\n      password_file: /p\n      password_env: P\n",
			[]string{"yaml:6:", "not both"}},
		{"a variable name that is not one", "  - name: c\n    url: https://h/r.git\n    webhook:\n      secret_env: $HOOK\n", []string{"yaml:6:", "environment variable"}},
		{"credentials for a repository on this host", "  - name: c\n    url: file:///srv/r\n    auth:\n      username: a\n", []string{"yaml:5:", "takes no credentials"}},
		{"a misspelt key", "  - name: c\n    url: https://h/r.git\n    brnach: main\n", []string{"yaml:5:", "brnach"}},
		{"a bad author email", "  - name: c\n    url: https://h/r.git\n    commit:\n      author: {name: x, email: nobody}\n", []string{"commit.author.email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.load([]byte(sourceFile(tt.sources)), "berth.yaml")
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range append(tt.want, "berth.yaml") {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
			for _, secret := range []string{"hunter2", "abcdefghijklmnopq", "ghp_abc"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q shows the secret", err)
				}
			}
		})
	}
}

func TestValidateSources(t *testing.T) {
	src := func(name, url string, change func(*Source)) Source {
		s := NewSource(name, url)
		if change != nil {
			change(&s)
		}
		return s
	}
	tests := []struct {
		name    string
		sources []Source
		want    string // "" when valid
	}{
		{"https with a password from a variable", []Source{src("a", "https://h/r.git", func(s *Source) { s.Auth = SourceAuth{Username: "u", PasswordEnv: "T"} })}, ""},
		{"http to loopback", []Source{src("a", "http://127.0.0.1:3000/r.git", nil), src("b", "http://localhost/r.git", nil), src("c", "http://[::1]/r", nil)}, ""},
		{"scp style with a key", []Source{src("a", "git@github.com:o/r.git", func(s *Source) { s.Auth = SourceAuth{SSHKeyFile: "/k", KnownHostsFile: "/kh"} })}, ""},
		{"a local path and a file URL", []Source{src("a", "./repo", nil), src("b", "file:///srv/r", nil), src("c", "/srv/x:y", nil)}, ""},
		{"two sources of one name", []Source{src("a", "/r1", nil), src("a", "/r2", nil)}, `the name "a" is taken by sources[0]`},
		{"two sources of the same files", []Source{src("a", "/r", nil), src("b", "/r", nil)}, "would fight"},
		{"the same repository on two paths", []Source{src("a", "/r", func(s *Source) { s.Path = "x" }), src("b", "/r", func(s *Source) { s.Path = "y" })}, ""},
		{"a source made without defaults", []Source{{Name: "a", URL: "/r"}}, "branch"},
		{"a password in an scp URL", []Source{src("a", "git:pw@h:r.git", nil)}, "password in the URL"},
		{"an scp URL without a path", []Source{src("a", "git@h:", nil)}, "user@host:path"},
		{"a password over ssh", []Source{src("a", "ssh://git@h/r", func(s *Source) { s.Auth.PasswordFile = "/p" })}, "ssh_key_file"},
		{"a passphrase without a key", []Source{src("a", "ssh://git@h/r", func(s *Source) { s.Auth.SSHKeyPassphraseEnv = "P" })}, "without auth.ssh_key_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Sources = tt.sources
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestTheTemplateDocumentsSources(t *testing.T) {
	// The commented example, uncommented, is a source berth accepts.
	var example []string
	in := false
	for line := range strings.SplitSeq(Template, "\n") {
		switch {
		case strings.HasPrefix(line, "#   - name: config"):
			in = true
		case in && !strings.HasPrefix(line, "#  "):
			in = false
		}
		if in {
			example = append(example, strings.TrimPrefix(line, "#"))
		}
	}
	if len(example) < 5 {
		t.Fatalf("no sources example in the template: %q", example)
	}
	c := Default()
	if err := c.load([]byte("sources:\n"+strings.Join(example, "\n")+"\n"), "example.yaml"); err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(example, "\n"))
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 1 || c.Sources[0].Path != "apps" || c.Sources[0].Auth.PasswordEnv != "GIT_TOKEN" || !c.Sources[0].Webhook.Enabled() {
		t.Fatalf("sources %+v", c.Sources)
	}
}

func TestLoadErrorsAreYAMLLoadErrors(t *testing.T) {
	// The source's problems are reported by line, as the decoder's own.
	var c Config
	err := yaml.Unmarshal([]byte("sources:\n  - name: a\n    url: https://h/r\n    interval: 1s\n    path: /x\n"), &c)
	var le *yaml.LoadErrors
	if !errors.As(err, &le) || len(le.Errors) != 2 || le.Errors[0].Line != 4 || le.Errors[1].Line != 5 {
		t.Fatalf("error %#v", err)
	}
}

func FuzzSource(f *testing.F) {
	f.Add("config", "https://git.example.com/ops/config.git", "main", "apps", "1m", "GIT_TOKEN")
	f.Add("c", "git@h:o/r.git", "release/2.x", "", "10s", "")
	f.Add("c", "file:///srv/r", "a..b", "../x", "1s", "$X")
	f.Add("c", "https://u:p@h/r", "@", "a//b", "-1m", "")
	f.Fuzz(func(t *testing.T, name, url, branch, path, interval, env string) {
		doc := map[string]any{"sources": []map[string]any{{
			"name": name, "url": url, "branch": branch, "path": path, "interval": interval,
			"auth": map[string]string{"password_env": env},
		}}}
		data, err := yaml.Marshal(doc)
		if err != nil {
			return // not text YAML can hold
		}
		c := Default()
		if err := c.load(data, "fuzz.yaml"); err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		// What loads is a source that Validate accepts, without
		// credentials in its URL.
		if err := c.Validate(); err != nil {
			t.Fatalf("loaded but invalid: %v\n%s", err, data)
		}
		s := c.Sources[0]
		if s.Interval < MinSourceInterval || strings.Contains(s.Path, "..") || strings.HasPrefix(s.Path, "/") {
			t.Fatalf("accepted %+v", s)
		}
		if kind, _ := classifySourceURL(s.URL); kind == urlHTTP && strings.Contains(strings.SplitN(s.URL, "/", 4)[2], "@") {
			t.Fatalf("accepted credentials in %q", s.URL)
		}
	})
}
