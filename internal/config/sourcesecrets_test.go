package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretFiles writes files named by their keys into a new directory and
// returns their paths.
func secretFiles(t testing.TB, files map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestSourceSecretsReadsWhatItNames(t *testing.T) {
	const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
	files := secretFiles(t, map[string]string{
		"token": "ghp_0123456789abcdef\n", "key": key, "known_hosts": "h ssh-ed25519 AAAA\n", "hook": "a-long-webhook-secret\r\n",
	})
	tests := []struct {
		name string
		src  func(s *Source)
		env  map[string]string
		want SourceSecrets
	}{
		{"nothing named, nothing read", func(s *Source) {}, nil, SourceSecrets{}},
		{"a password file loses its line break", func(s *Source) { s.Auth = SourceAuth{Username: "u", PasswordFile: files["token"]} }, nil,
			SourceSecrets{Password: []byte("ghp_0123456789abcdef")}},
		{"a password and a webhook secret from variables", func(s *Source) {
			s.Auth.PasswordEnv, s.Webhook.SecretEnv = "GIT_TOKEN", "HOOK"
		}, map[string]string{"GIT_TOKEN": "t0ken", "HOOK": "0123456789abcdef"},
			SourceSecrets{Password: []byte("t0ken"), WebhookSecret: []byte("0123456789abcdef")}},
		{"an SSH key and known hosts kept as they are, a webhook secret file trimmed", func(s *Source) {
			s.URL = "git@h:o/r.git"
			s.Auth = SourceAuth{SSHKeyFile: files["key"], SSHKeyPassphraseEnv: "PASS", KnownHostsFile: files["known_hosts"]}
			s.Webhook.SecretFile = files["hook"]
		}, map[string]string{"PASS": "open sesame"},
			SourceSecrets{SSHKey: []byte(key), SSHKeyPassphrase: []byte("open sesame"), KnownHosts: []byte("h ssh-ed25519 AAAA\n"),
				WebhookSecret: []byte("a-long-webhook-secret")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSource("config", "https://h/r.git")
			tt.src(&s)
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			got, err := s.Secrets(envOf(tt.env), os.ReadFile)
			if err != nil {
				t.Fatal(err)
			}
			for name, pair := range map[string][2][]byte{
				"password": {got.Password, tt.want.Password}, "ssh key": {got.SSHKey, tt.want.SSHKey},
				"passphrase": {got.SSHKeyPassphrase, tt.want.SSHKeyPassphrase}, "known hosts": {got.KnownHosts, tt.want.KnownHosts},
				"webhook secret": {got.WebhookSecret, tt.want.WebhookSecret},
			} {
				if !bytes.Equal(pair[0], pair[1]) {
					t.Errorf("%s %q, want %q", name, pair[0], pair[1])
				}
			}
		})
	}
}

func TestSourceSecretsNamesWhatFailsButNotTheValue(t *testing.T) {
	files := secretFiles(t, map[string]string{"empty": "\n", "short": "tooshort-secret\n"})
	missing := filepath.Join(t.TempDir(), "no-such-token")
	tests := []struct {
		name   string
		src    func(s *Source)
		env    map[string]string
		want   []string
		target error
	}{
		{"a missing file", func(s *Source) { s.Auth.PasswordFile = missing }, nil,
			[]string{"source config", "auth.password_file", missing, "no such file"}, fs.ErrNotExist},
		{"an unset variable", func(s *Source) { s.Auth.PasswordEnv = "GIT_TOKEN" }, nil,
			[]string{"auth.password_env", "GIT_TOKEN", "empty or not set"}, ErrSecretEmpty},
		{"an empty file", func(s *Source) { s.Webhook.SecretFile = files["empty"] }, nil,
			[]string{"webhook.secret_file", files["empty"]}, ErrSecretEmpty},
		{"a short webhook secret", func(s *Source) { s.Webhook.SecretFile = files["short"] }, nil,
			[]string{"webhook.secret_file", files["short"], "shorter than 16"}, ErrSecretShort},
		{"every problem at once", func(s *Source) {
			s.Auth.PasswordFile, s.Webhook.SecretEnv = missing, "HOOK"
		}, map[string]string{"HOOK": "s3cr3t-value"},
			[]string{missing, "HOOK", "shorter than 16"}, ErrSecretShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSource("config", "https://h/r.git")
			tt.src(&s)
			got, err := s.Secrets(envOf(tt.env), os.ReadFile)
			if err == nil {
				t.Fatalf("read %+v", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "tooshort") {
				t.Errorf("error %q shows a secret", err)
			}
			var se *SecretError
			if !errors.Is(err, tt.target) || !errors.As(err, &se) || se.Source != "config" {
				t.Errorf("error %#v is not %v in a SecretError", err, tt.target)
			}
		})
	}
}

func TestSourceSecretsUsesTheReaderItIsGiven(t *testing.T) {
	s := NewSource("config", "https://h/r.git")
	s.Auth.PasswordFile = "/run/secrets/token"
	var asked []string
	got, err := s.Secrets(envOf(nil), func(p string) ([]byte, error) {
		asked = append(asked, p)
		return []byte("from-the-reader"), nil
	})
	if err != nil || string(got.Password) != "from-the-reader" || len(asked) != 1 || asked[0] != "/run/secrets/token" {
		t.Fatalf("%q %v %v", got.Password, asked, err)
	}
}
