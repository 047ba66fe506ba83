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
		{"an unknown key, with its line", "listen: 127.0.0.1:5000\nlisten_on: x\n", []string{"line 2", "listen_on"}},
		{"a nested unknown key", "auth:\n  users:\n    - name: a\n      pasword: x\n", []string{"line 4", "pasword"}},
		{"a bad duration", "upload_ttl: soon\n", []string{"line 1", "soon"}},
		{"a list where a map belongs", "gc: [1, 2]\n", []string{"line 1"}},
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
