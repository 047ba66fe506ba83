package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
)

// SourceSecrets are the secrets a source names, read. A field is nil
// when the source names no such secret.
type SourceSecrets struct {
	Password         []byte
	SSHKey           []byte
	SSHKeyPassphrase []byte
	KnownHosts       []byte
	WebhookSecret    []byte
}

// MinWebhookSecret is the shortest webhook secret a source accepts:
// shorter ones can be guessed.
const MinWebhookSecret = 16

var (
	// ErrSecretEmpty reports a named secret that is empty, or an
	// environment variable that is not set.
	ErrSecretEmpty = errors.New("empty or not set")
	// ErrSecretShort reports a webhook secret under MinWebhookSecret bytes.
	ErrSecretShort = fmt.Errorf("shorter than %d bytes", MinWebhookSecret)
)

// SecretError is a secret of a source that could not be read. It names
// the setting and the file or variable, never the value.
type SecretError struct {
	Source string // the source's name
	Key    string // the setting, e.g. auth.password_file
	Ref    string // the file or the variable it names
	Err    error
}

func (e *SecretError) Error() string {
	return fmt.Sprintf("%s: reading %s %s: %v", sourceLabel(e.Source), e.Key, e.Ref, e.Err)
}

func (e *SecretError) Unwrap() error { return e.Err }

// Secrets reads the secrets s names: from files with readFile, from
// environment variables with getenv. A password, passphrase or webhook
// secret loses the line break at its end, as files written by editors
// and by echo have one; an SSH key and known_hosts are kept as they are.
// Every problem is reported at once.
func (s Source) Secrets(getenv func(string) string, readFile func(string) ([]byte, error)) (SourceSecrets, error) {
	var out SourceSecrets
	var errs []error
	read := func(fileKey, file, envKey, env string, trim bool) []byte {
		var v []byte
		key, ref := fileKey, file
		switch {
		case file != "":
			b, err := readFile(file)
			if err != nil {
				var pe *fs.PathError
				if errors.As(err, &pe) {
					err = pe.Err // it names the file, which the error does anyway
				}
				errs = append(errs, &SecretError{Source: s.Name, Key: fileKey, Ref: file, Err: err})
				return nil
			}
			v = b
		case env != "":
			key, ref = envKey, env
			v = []byte(getenv(env))
		default:
			return nil
		}
		if trim {
			v = bytes.TrimRight(v, "\r\n")
		}
		if len(bytes.TrimSpace(v)) == 0 {
			errs = append(errs, &SecretError{Source: s.Name, Key: key, Ref: ref, Err: ErrSecretEmpty})
			return nil
		}
		return v
	}
	a := s.Auth
	out.Password = read("auth.password_file", a.PasswordFile, "auth.password_env", a.PasswordEnv, true)
	out.SSHKey = read("auth.ssh_key_file", a.SSHKeyFile, "", "", false)
	out.SSHKeyPassphrase = read("auth.ssh_key_passphrase_file", a.SSHKeyPassphraseFile, "auth.ssh_key_passphrase_env", a.SSHKeyPassphraseEnv, true)
	out.KnownHosts = read("auth.known_hosts_file", a.KnownHostsFile, "", "", false)
	out.WebhookSecret = read("webhook.secret_file", s.Webhook.SecretFile, "webhook.secret_env", s.Webhook.SecretEnv, true)
	if n := len(out.WebhookSecret); n > 0 && n < MinWebhookSecret {
		key, ref := "webhook.secret_file", s.Webhook.SecretFile
		if ref == "" {
			key, ref = "webhook.secret_env", s.Webhook.SecretEnv
		}
		errs = append(errs, &SecretError{Source: s.Name, Key: key, Ref: ref, Err: ErrSecretShort})
		out.WebhookSecret = nil
	}
	if len(errs) > 0 {
		return SourceSecrets{}, errors.Join(errs...)
	}
	return out, nil
}
