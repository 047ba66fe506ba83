package githook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Push is what a webhook says was pushed.
type Push struct {
	Provider string // "github", "gitlab", "gitea", "generic"
	Ref      string // "refs/heads/main"
	Branch   string // "main" when Ref is a branch, "" otherwise
	Commit   string // the new tip, "" when the sender does not say or the ref was deleted
	Repo     string // the repository's URL or full name as the sender gives it, for logs
}

// Providers, as Push.Provider names them.
const (
	GitHub  = "github"
	GitLab  = "gitlab"
	Gitea   = "gitea" // Forgejo too
	Generic = "generic"
)

// MaxBody is the largest webhook body Read accepts.
const MaxBody = 1 << 20

var (
	// ErrUnsigned reports a request without the signature or token its
	// sender must send.
	ErrUnsigned = errors.New("webhook not signed")
	// ErrSignature reports a signature or token that does not match the
	// secret.
	ErrSignature = errors.New("webhook signature invalid")
	// ErrNotPush reports a signed request for an event that is not a
	// push, such as GitHub's ping: answer 202 and ignore it.
	ErrNotPush = errors.New("not a push event")
	// ErrNoSecret reports a source that has no webhook secret, and so
	// takes no webhooks. It is an ErrUnsigned.
	ErrNoSecret = fmt.Errorf("%w: the source has no webhook secret, so it takes no webhooks", ErrUnsigned)
	// ErrTooLarge reports a body over MaxBody.
	ErrTooLarge = fmt.Errorf("webhook body over %d bytes", MaxBody)
	// ErrPayload reports a signed payload that cannot be read.
	ErrPayload = errors.New("webhook payload invalid")
)

// Read reads a webhook request for a source whose secret is secret: it
// tells the sender by its headers, verifies the request's signature or
// token in constant time, and parses the push it reports. See the
// package's documentation for the senders. A request with no secret
// configured (secret empty) is refused: webhooks are opt-in per source.
func Read(r *http.Request, secret []byte) (Push, error) {
	if len(secret) == 0 {
		return Push{}, ErrNoSecret
	}
	s := senderOf(r.Header)
	if s.token != "" {
		// The token is checked before a byte of the body is read.
		if err := checkToken(r.Header, s, secret); err != nil {
			return Push{}, err
		}
	}
	body, err := readBody(r)
	if err != nil {
		return Push{}, err
	}
	if s.signature != nil {
		if err := checkSignature(r.Header, s, secret, body); err != nil {
			return Push{}, err
		}
	}
	payload, err := formPayload(r.Header, s, body)
	if err != nil {
		return Push{}, err
	}
	p, err := s.parse(s.event, payload)
	if err != nil {
		return Push{}, err
	}
	p.Provider = s.name
	return p, nil
}

// sender is how one kind of sender identifies, signs and words a push.
type sender struct {
	name      string
	event     string   // the event header's value
	token     string   // the header carrying the secret itself, if any
	bearer    bool     // the token is "Bearer <secret>"
	signature []string // headers that may carry the hex HMAC, the first present used
	prefix    string   // before the hex in the signature
	form      bool     // the payload may come as a form's payload field
	parse     func(event string, body []byte) (Push, error)
}

// senderOf tells the sender by its headers. Gitea and Forgejo send
// GitHub's headers besides their own, so theirs are looked at first.
func senderOf(h http.Header) sender {
	switch {
	case h.Get("X-Forgejo-Event") != "":
		return sender{name: Gitea, event: h.Get("X-Forgejo-Event"), signature: []string{"X-Forgejo-Signature", "X-Gitea-Signature"}, form: true, parse: parseGitea}
	case h.Get("X-Gitea-Event") != "":
		return sender{name: Gitea, event: h.Get("X-Gitea-Event"), signature: []string{"X-Gitea-Signature", "X-Forgejo-Signature"}, form: true, parse: parseGitea}
	case h.Get("X-Gitlab-Event") != "":
		return sender{name: GitLab, event: h.Get("X-Gitlab-Event"), token: "X-Gitlab-Token", parse: parseGitLab}
	case h.Get("X-GitHub-Event") != "":
		return sender{name: GitHub, event: h.Get("X-GitHub-Event"), signature: []string{"X-Hub-Signature-256"}, prefix: "sha256=", form: true, parse: parseGitHub}
	default:
		return sender{name: Generic, token: "Authorization", bearer: true, parse: parseGeneric}
	}
}

// checkToken compares the token a sender sent with secret, in time that
// tells nothing of either.
func checkToken(h http.Header, s sender, secret []byte) error {
	got := h.Get(s.token)
	if s.bearer {
		scheme, token, _ := strings.Cut(got, " ")
		if got = strings.TrimLeft(token, " "); !strings.EqualFold(scheme, "Bearer") || got == "" {
			return fmt.Errorf("%w: want Authorization: Bearer <the source's webhook secret>", ErrUnsigned)
		}
	}
	if got == "" {
		return fmt.Errorf("%w: no %s header (set the secret on the %s webhook)", ErrUnsigned, s.token, s.name)
	}
	// Hashing both first makes the comparison's time independent of
	// the lengths too.
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256(secret)
	if !hmac.Equal(a[:], b[:]) {
		return ErrSignature
	}
	return nil
}

// checkSignature verifies the hex HMAC-SHA256 of body that s signs with.
func checkSignature(h http.Header, s sender, secret, body []byte) error {
	var header, value string
	for _, name := range s.signature {
		if v := h.Get(name); v != "" {
			header, value = name, v
			break
		}
	}
	if header == "" {
		return fmt.Errorf("%w: no %s header (set the secret on the %s webhook)", ErrUnsigned, s.signature[0], s.name)
	}
	hexSum, ok := strings.CutPrefix(value, s.prefix)
	if !ok {
		return fmt.Errorf("%w: %s does not start with %q", ErrSignature, header, s.prefix)
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return fmt.Errorf("%w: %s is not hex", ErrSignature, header)
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrSignature
	}
	return nil
}

// readBody reads the whole body, refusing one over MaxBody.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, ErrTooLarge
	}
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading webhook body: %w", err)
	}
	if len(body) > MaxBody {
		return nil, ErrTooLarge
	}
	return body, nil
}
