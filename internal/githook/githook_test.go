package githook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testSecret = []byte("s3cret-for-webhooks-only")

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hexMAC is the hex HMAC-SHA256 of body keyed with secret.
func hexMAC(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// newRequest makes a webhook request with headers given as name, value
// pairs.
func newRequest(t testing.TB, body []byte, headers ...string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/sources/config/webhook", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func github(t testing.TB, event string, body []byte) *http.Request {
	return newRequest(t, body, "X-GitHub-Event", event, "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958",
		"X-Hub-Signature-256", "sha256="+hexMAC(testSecret, body), "User-Agent", "GitHub-Hookshot/044aadd")
}

func gitea(t testing.TB, body []byte) *http.Request {
	// Gitea sends GitHub's and Gogs' headers besides its own.
	sum := hexMAC(testSecret, body)
	return newRequest(t, body, "X-Gitea-Event", "push", "X-Gitea-Signature", sum, "X-Gogs-Event", "push",
		"X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+sum)
}

func gitlab(t testing.TB, event string, body []byte) *http.Request {
	return newRequest(t, body, "X-Gitlab-Event", event, "X-Gitlab-Token", string(testSecret), "X-Gitlab-Instance", "https://gitlab.example.com")
}

func generic(t testing.TB, body []byte) *http.Request {
	return newRequest(t, body, "Authorization", "Bearer "+string(testSecret))
}

func TestReadPushes(t *testing.T) {
	githubForm := url.Values{"payload": {string(fixture(t, "github-push.json"))}}.Encode()
	formRequest := github(t, "push", []byte(githubForm))
	formRequest.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	forgejo := newRequest(t, fixture(t, "gitea-push.json"), "X-Forgejo-Event", "push", "X-Gitea-Event", "push",
		"X-Forgejo-Signature", hexMAC(testSecret, fixture(t, "gitea-push.json")))
	forgejoOnly := newRequest(t, fixture(t, "gitea-push.json"), "X-Forgejo-Event", "push",
		"X-Forgejo-Signature", hexMAC(testSecret, fixture(t, "gitea-push.json")))
	systemHook := gitlab(t, "System Hook", fixture(t, "gitlab-push.json"))
	lowerBearer := generic(t, []byte(`{"ref":"main"}`))
	lowerBearer.Header.Set("Authorization", "bearer "+string(testSecret))

	const ghTip, glTip, giteaTip = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "bffeb74224043ba2feb48d137756c8a9331c449a"
	tests := []struct {
		name string
		req  *http.Request
		want Push
	}{
		{"a GitHub push", github(t, "push", fixture(t, "github-push.json")),
			Push{Provider: "github", Ref: "refs/heads/main", Branch: "main", Commit: ghTip, Repo: "https://github.com/ops/config.git"}},
		{"a GitHub push sent as a form", formRequest,
			Push{Provider: "github", Ref: "refs/heads/main", Branch: "main", Commit: ghTip, Repo: "https://github.com/ops/config.git"}},
		{"a GitHub tag push", github(t, "push", fixture(t, "github-tag.json")),
			Push{Provider: "github", Ref: "refs/tags/v1.4.2", Commit: ghTip, Repo: "https://github.com/ops/config.git"}},
		{"a GitHub branch deletion names no commit", github(t, "push", fixture(t, "github-delete.json")),
			Push{Provider: "github", Ref: "refs/heads/feature", Branch: "feature", Repo: "https://github.com/ops/config.git"}},
		{"a Gitea push, which carries GitHub's headers too", gitea(t, fixture(t, "gitea-push.json")),
			Push{Provider: "gitea", Ref: "refs/heads/main", Branch: "main", Commit: giteaTip, Repo: "https://gitea.example.com/ops/config.git"}},
		{"a Forgejo push", forgejo,
			Push{Provider: "gitea", Ref: "refs/heads/main", Branch: "main", Commit: giteaTip, Repo: "https://gitea.example.com/ops/config.git"}},
		{"a Forgejo push with only Forgejo's headers", forgejoOnly,
			Push{Provider: "gitea", Ref: "refs/heads/main", Branch: "main", Commit: giteaTip, Repo: "https://gitea.example.com/ops/config.git"}},
		{"a GitLab push", gitlab(t, "Push Hook", fixture(t, "gitlab-push.json")),
			Push{Provider: "gitlab", Ref: "refs/heads/production", Branch: "production", Commit: glTip, Repo: "https://gitlab.example.com/ops/config.git"}},
		{"a GitLab tag push", gitlab(t, "Tag Push Hook", fixture(t, "gitlab-tag-push.json")),
			Push{Provider: "gitlab", Ref: "refs/tags/v1.0.0", Commit: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", Repo: "https://gitlab.example.com/ops/config.git"}},
		{"a GitLab branch deletion names no commit", gitlab(t, "Push Hook", fixture(t, "gitlab-delete.json")),
			Push{Provider: "gitlab", Ref: "refs/heads/feature", Branch: "feature", Repo: "https://gitlab.example.com/ops/config.git"}},
		{"a push in a GitLab system hook", systemHook,
			Push{Provider: "gitlab", Ref: "refs/heads/production", Branch: "production", Commit: glTip, Repo: "https://gitlab.example.com/ops/config.git"}},
		{"a generic push with a ref and a commit", generic(t, []byte(`{"ref":"refs/heads/main","after":"`+strings.ToUpper(ghTip)+`","repository":"ops/config"}`)),
			Push{Provider: "generic", Ref: "refs/heads/main", Branch: "main", Commit: ghTip, Repo: "ops/config"}},
		{"a generic push naming a branch alone", lowerBearer, Push{Provider: "generic", Ref: "refs/heads/main", Branch: "main"}},
		{"a generic push without a body", generic(t, nil), Push{Provider: "generic"}},
		{"a generic push with a SHA-256 commit", generic(t, []byte(`{"after":"`+strings.Repeat("ab", 32)+`"}`)),
			Push{Provider: "generic", Commit: strings.Repeat("ab", 32)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.req, testSecret)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("push\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestReadRefuses(t *testing.T) {
	push := fixture(t, "github-push.json")
	other := bytes.Replace(push, []byte("refs/heads/main"), []byte("refs/heads/evil"), 1)
	header := func(r *http.Request, kv ...string) *http.Request {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				r.Header.Del(kv[i])
			} else {
				r.Header.Set(kv[i], kv[i+1])
			}
		}
		return r
	}
	big := append(bytes.Repeat([]byte(" "), MaxBody), push...)
	chunked := github(t, "push", big)
	chunked.ContentLength = -1
	tests := []struct {
		name   string
		req    *http.Request
		secret []byte
		want   error
	}{
		{"a source without a secret", github(t, "push", push), nil, ErrNoSecret},
		{"a source without a secret, which is unsigned", generic(t, nil), []byte{}, ErrUnsigned},

		{"GitHub without a signature", header(github(t, "push", push), "X-Hub-Signature-256", ""), testSecret, ErrUnsigned},
		{"GitHub with only the SHA-1 signature", header(github(t, "push", push), "X-Hub-Signature-256", "", "X-Hub-Signature", "sha1=0123"), testSecret, ErrUnsigned},
		{"GitHub signed with another secret", header(github(t, "push", push), "X-Hub-Signature-256", "sha256="+hexMAC([]byte("another secret"), push)), testSecret, ErrSignature},
		{"a GitHub body replayed with the signature of another body", header(github(t, "push", other), "X-Hub-Signature-256", "sha256="+hexMAC(testSecret, push)), testSecret, ErrSignature},
		{"a GitHub body changed after it was signed", header(newRequest(t, other), "X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+hexMAC(testSecret, push)), testSecret, ErrSignature},
		{"a GitHub signature without its prefix", header(github(t, "push", push), "X-Hub-Signature-256", hexMAC(testSecret, push)), testSecret, ErrSignature},
		{"a GitHub signature that is not hex", header(github(t, "push", push), "X-Hub-Signature-256", "sha256=zz"), testSecret, ErrSignature},
		{"a GitHub signature cut short", header(github(t, "push", push), "X-Hub-Signature-256", "sha256="+hexMAC(testSecret, push)[:62]), testSecret, ErrSignature},

		{"Gitea signed with another secret", header(gitea(t, push), "X-Gitea-Signature", hexMAC([]byte("x"), push)), testSecret, ErrSignature},
		{"Gitea without its signature, though GitHub's is there", header(gitea(t, push), "X-Gitea-Signature", ""), testSecret, ErrUnsigned},
		{"a Gitea signature with GitHub's prefix", header(gitea(t, push), "X-Gitea-Signature", "sha256="+hexMAC(testSecret, push)), testSecret, ErrSignature},
		{"Forgejo with a Gitea signature of another body", header(newRequest(t, push), "X-Forgejo-Event", "push", "X-Gitea-Signature", hexMAC(testSecret, other)), testSecret, ErrSignature},

		{"GitLab without a token", header(gitlab(t, "Push Hook", push), "X-Gitlab-Token", ""), testSecret, ErrUnsigned},
		{"GitLab with another token", header(gitlab(t, "Push Hook", push), "X-Gitlab-Token", "guess"), testSecret, ErrSignature},
		{"GitLab with the secret's start", header(gitlab(t, "Push Hook", push), "X-Gitlab-Token", string(testSecret[:10])), testSecret, ErrSignature},
		{"GitLab with the secret and more", header(gitlab(t, "Push Hook", push), "X-Gitlab-Token", string(testSecret)+"x"), testSecret, ErrSignature},

		{"a generic sender without a token", header(generic(t, nil), "Authorization", ""), testSecret, ErrUnsigned},
		{"a generic sender with basic auth", header(generic(t, nil), "Authorization", "Basic "+string(testSecret)), testSecret, ErrUnsigned},
		{"a generic sender with an empty bearer token", header(generic(t, nil), "Authorization", "Bearer "), testSecret, ErrUnsigned},
		{"a generic sender with another token", header(generic(t, nil), "Authorization", "Bearer guess"), testSecret, ErrSignature},

		{"a signed GitHub ping", github(t, "ping", fixture(t, "github-ping.json")), testSecret, ErrNotPush},
		{"an unsigned GitHub ping", header(github(t, "ping", fixture(t, "github-ping.json")), "X-Hub-Signature-256", ""), testSecret, ErrUnsigned},
		{"a GitLab issue event", gitlab(t, "Issue Hook", fixture(t, "gitlab-issue.json")), testSecret, ErrNotPush},
		{"a GitLab system hook that is not a push", gitlab(t, "System Hook", fixture(t, "gitlab-issue.json")), testSecret, ErrNotPush},
		{"a Gitea event that is not a push", header(gitea(t, push), "X-Gitea-Event", "create"), testSecret, ErrNotPush},

		{"a signed body over 1 MiB", github(t, "push", big), testSecret, ErrTooLarge},
		{"a signed body over 1 MiB without a length", chunked, testSecret, ErrTooLarge},
		{"a generic body over 1 MiB", generic(t, big), testSecret, ErrTooLarge},

		{"a signed payload that is not JSON", github(t, "push", []byte("ref=main")), testSecret, ErrPayload},
		{"a signed push without a ref", github(t, "push", []byte(`{"after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"}`)), testSecret, ErrPayload},
		{"a signed push with a ref git would refuse", github(t, "push", []byte(`{"ref":"refs/heads/a..b"}`)), testSecret, ErrPayload},
		{"a signed push with a commit that is not one", gitlab(t, "Push Hook", []byte(`{"object_kind":"push","ref":"refs/heads/main","checkout_sha":"HEAD"}`)), testSecret, ErrPayload},
		{"a generic body that is a list", generic(t, []byte(`["main"]`)), testSecret, ErrPayload},
		{"a form without a payload", header(github(t, "push", []byte("a=b")), "Content-Type", "application/x-www-form-urlencoded"), testSecret, ErrPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.req, tt.secret)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read = %+v, %v; want %v", got, err, tt.want)
			}
			if got != (Push{}) {
				t.Fatalf("a refused request gave %+v", got)
			}
			if strings.Contains(err.Error(), string(testSecret)) {
				t.Fatalf("error %q shows the secret", err)
			}
		})
	}
}

// readRecorder notes whether its body was read.
type readRecorder struct {
	io.Reader
	read bool
}

func (r *readRecorder) Read(p []byte) (int, error) {
	r.read = true
	return r.Reader.Read(p)
}

func TestReadChecksATokenBeforeTheBody(t *testing.T) {
	for _, r := range []*http.Request{
		newRequest(t, nil, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", "guess"),
		newRequest(t, nil, "Authorization", "Bearer guess"),
		newRequest(t, nil),
	} {
		body := &readRecorder{Reader: strings.NewReader(`{"ref":"refs/heads/main"}`)}
		r.Body = io.NopCloser(body)
		if _, err := Read(r, testSecret); !errors.Is(err, ErrSignature) && !errors.Is(err, ErrUnsigned) {
			t.Fatalf("Read: %v", err)
		}
		if body.read {
			t.Fatalf("the body of an unauthenticated %v was read", r.Header)
		}
	}
}

func TestReadTakesABodyOfExactlyTheLimit(t *testing.T) {
	body := []byte(`{"ref":"main"}`)
	body = append(body, bytes.Repeat([]byte(" "), MaxBody-len(body))...)
	got, err := Read(generic(t, body), testSecret)
	if err != nil || got.Branch != "main" {
		t.Fatalf("Read = %+v, %v", got, err)
	}
}

func BenchmarkReadGitHubPush(b *testing.B) {
	body := fixture(b, "github-push.json")
	sig := "sha256=" + hexMAC(testSecret, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("X-GitHub-Event", "push")
		r.Header.Set("X-Hub-Signature-256", sig)
		if _, err := Read(r, testSecret); err != nil {
			b.Fatal(err)
		}
	}
}
