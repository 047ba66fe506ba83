package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTheInitTemplateLoadsAndValidates(t *testing.T) {
	c := Default()
	if err := c.LoadFile(writeFile(t, Template)); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.ImmutableTags) != 1 || c.ImmutableTags[0].Tags != "v*" {
		t.Fatalf("immutable tags = %+v", c.ImmutableTags)
	}
}

func TestLoadFileKeepsDefaultsForWhatItDoesNotSet(t *testing.T) {
	c := Default()
	if err := c.LoadFile(writeFile(t, "listen: 127.0.0.1:6000\ngc:\n  grace: 2h\n")); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:6000" || c.GC.Grace != 2*time.Hour {
		t.Fatalf("loaded %+v", c)
	}
	if c.DataDir != Default().DataDir || c.GC.Interval != Default().GC.Interval || c.Auth.Service != "berth" || c.Auth.FailedLoginsPerMinute != 10 {
		t.Fatalf("defaults lost: %+v", c)
	}
}

func TestLoadFileRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"an unknown key, with its line", "listen: 127.0.0.1:5000\nlisten_on: x\n", []string{"yaml:2:", "listen_on"}},
		{"a nested unknown key", "auth:\n  users:\n    - name: a\n      pasword: x\n", []string{"yaml:4:", "pasword"}},
		{"a bad duration", "upload_ttl: soon\n", []string{"yaml:1:", "soon"}},
		{"a list where a map belongs", "gc: [1, 2]\n", []string{"yaml:1:"}},
		{"text that is not YAML", "listen: [\n", []string{"berth.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.LoadFile(writeFile(t, tt.content))
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadFileOfAMissingFile(t *testing.T) {
	c := Default()
	if err := c.LoadFile(filepath.Join(t.TempDir(), "nope.yaml")); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("error = %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(Template))
	f.Add([]byte("listen: 127.0.0.1:5000\nauth:\n  users:\n    - name: a\n"))
	f.Add([]byte("gc: {interval: 1h, grace: 1m}\nretention: [{repos: '**', keep: 3, tags: 'b-*'}]\n"))
	f.Add([]byte("webhooks: [{name: x, url: 'http://h', secret: s}]\n"))
	f.Add([]byte("auth:\n  trusted_proxies: [10.0.0.0/8, '::1']\n  robots:\n    - name: ci\n      access:\n        - {repos: 'shop/**', actions: [pull]}\n        - {apps: shop, actions: [deploy, read]}\n"))
	f.Add([]byte("sources:\n  - name: config\n    url: git@h:o/r.git\n    auth: {ssh_key_file: /k, known_hosts_file: /kh, password: x}\n    webhook: {secret_env: H}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Default()
		if err := c.load(data, "fuzz.yaml"); err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		_ = c.Validate() // must not panic, whatever was loaded
	})
}

func TestLoadFileErrorsNameTheKeyAndWhatIsAllowed(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"an unknown top-level key", "listen: 127.0.0.1:5000\nuplod_ttl: 1h\n",
			"berth.yaml:2: uplod_ttl: unknown key; did you mean upload_ttl?"},
		{"an unknown nested key", "auth:\n  users:\n    - name: a\n      pasword: x\n",
			"berth.yaml:4: auth.users[0].pasword: unknown key; did you mean password?"},
		{"an unknown key of a source", "sources:\n  - name: c\n    url: https://h/r.git\n    brnach: main\n",
			"berth.yaml:4: sources[0].brnach: unknown key; did you mean branch?"},
		{"an unknown key like none", "zzzzzzzz: 1\n",
			"berth.yaml:1: zzzzzzzz: unknown key; allowed here: access_log, auth, data, environments, gc,"},
		{"a bad duration", "listen: 127.0.0.1:5000\n\n\nupload_ttl: 24 hours\n",
			`berth.yaml:4: upload_ttl: "24 hours" is not a duration; write it like 24h or 90m`},
		{"a bad nested duration", "gc: {interval: soon}\n",
			`berth.yaml:1: gc.interval: "soon" is not a duration; write it like 24h or 90m`},
		{"a bad bool", "insecure_no_auth: yes please\n",
			`berth.yaml:1: insecure_no_auth: "yes please" is not true or false`},
		{"a word where a list belongs", "auth:\n  trusted_proxies: 10.0.0.1\n",
			`berth.yaml:2: auth.trusted_proxies: "10.0.0.1" is not a list; write it like [a, b] or as lines starting with -`},
		{"a list where a map belongs", "gc:\n  - 1\n",
			"berth.yaml:2: gc: a list is not a map of settings; write them as key: value lines"},
		{"a grant's own check", "auth:\n  users:\n    - name: a\n      access: [{repos: x, actions: [fly]}]\n",
			`berth.yaml:4: access: action "fly"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.load([]byte(tt.content), "berth.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant   %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "config.") || strings.Contains(err.Error(), "!!") {
				t.Fatalf("error %q shows Go or YAML internals", err)
			}
		})
	}
}

func TestLoadFileReportsEveryErrorOnItsOwnLine(t *testing.T) {
	c := Default()
	err := c.load([]byte("a: 1\nupload_ttl: x\n"), "berth.yaml")
	if err == nil {
		t.Fatal("loaded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "berth.yaml:1: a: unknown key") || !strings.HasPrefix(lines[1], "berth.yaml:2: upload_ttl:") {
		t.Fatalf("error = %q", err)
	}
}

func TestReleaseTagsAreImmutableUnlessTheConfigSaysOtherwise(t *testing.T) {
	for _, tt := range []struct {
		name, content string
		want          []TagRule
	}{
		{"no config", "", DefaultImmutableTags()},
		{"a config that does not mention them", "listen: 127.0.0.1:5000\n", DefaultImmutableTags()},
		{"an empty list", "immutable_tags: []\n", nil},
		{"no value", "immutable_tags:\n", nil},
		{"rules of its own", "immutable_tags: [{repos: 'shop/**', tags: 'rel-*'}]\n", []TagRule{{Repos: "shop/**", Tags: "rel-*"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			if err := c.load([]byte(tt.content), "berth.yaml"); err != nil {
				t.Fatal(err)
			}
			if len(c.ImmutableTags) != len(tt.want) || len(tt.want) > 0 && c.ImmutableTags[0] != tt.want[0] {
				t.Fatalf("immutable tags %+v, want %+v", c.ImmutableTags, tt.want)
			}
		})
	}
}
