package publish_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/publish"
)

// failFirst answers the first n requests with method whose path
// contains part by calling fail, and counts every such request.
type failFirst struct {
	method, part string
	n            int
	fail         func(w http.ResponseWriter)

	mu   sync.Mutex
	seen int
}

func (f *failFirst) intercept(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != f.method || !strings.Contains(r.URL.Path, f.part) {
		return false
	}
	f.mu.Lock()
	f.seen++
	failing := f.seen <= f.n
	f.mu.Unlock()
	if failing {
		f.fail(w)
	}
	return failing
}

func (f *failFirst) attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

func status(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// reset closes the connection with a TCP RST, as a crashed proxy does.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func randomImage(t testing.TB) v1.Image {
	t.Helper()
	img, err := random.Image(32<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestTransientFailuresAreRetried(t *testing.T) {
	tests := []struct {
		name string
		f    *failFirst
	}{
		{"a manifest PUT answered 503 twice", &failFirst{method: "PUT", part: "/manifests/", n: 2, fail: status(503, "")}},
		{"a blob upload answered 502 twice", &failFirst{method: "PATCH", part: "/blobs/uploads/", n: 2, fail: status(502, "<html>bad gateway</html>")}},
		{"a blob upload whose connection is reset twice", &failFirst{method: "PATCH", part: "/blobs/uploads/", n: 2, fail: reset}},
		{"a manifest HEAD answered 429", &failFirst{method: "HEAD", part: "/manifests/", n: 1,
			fail: status(429, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`)}},
		{"the first ping answered 504", &failFirst{method: "GET", part: "/v2/", n: 1, fail: status(504, "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := startRegistry(t, registryOptions{})
			reg.setIntercept(tt.f.intercept)
			img := randomImage(t)
			res, err := publish.Push(context.Background(), img, reg.host+"/retry/app:v1", publish.Options{Labels: provenance})
			if err != nil {
				t.Fatalf("push failed after %d attempts: %v", tt.f.attempts(), err)
			}
			if got := mustDigest(t, reg.pull("retry/app:v1")); got != res.Digest {
				t.Fatalf("registry has %s, Push returned %s", got, res.Digest)
			}
			if tt.f.attempts() <= tt.f.n {
				t.Fatalf("%d attempts, want more than the %d that failed", tt.f.attempts(), tt.f.n)
			}
		})
	}
}

func TestAFailureThatLastsGivesUpAfterFiveAttempts(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryOptions{})
	f := &failFirst{method: "PUT", part: "/manifests/", n: 1000, fail: status(503, `{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}`)}
	reg.setIntercept(f.intercept)
	_, err := publish.Push(context.Background(), randomImage(t), reg.host+"/retry/app:v1", publish.Options{})
	if err == nil || !strings.Contains(err.Error(), "down for maintenance") {
		t.Fatalf("err = %v, want the registry's message", err)
	}
	if f.attempts() != 5 {
		t.Fatalf("%d attempts, want 5", f.attempts())
	}
}

func TestRefusalsFailAtOnce(t *testing.T) {
	// Blobs go up in parallel, so each of the three (two layers and the
	// config) may meet the refusal once; none meets it twice.
	tests := []struct {
		name        string
		f           *failFirst
		want        string
		maxAttempts int
	}{
		{"403 on the manifest", &failFirst{method: "PUT", part: "/manifests/", n: 1000,
			fail: status(403, `{"errors":[{"code":"DENIED","message":"robot ci may not push to retry/app"}]}`)}, "robot ci may not push to retry/app", 1},
		{"400 on a blob", &failFirst{method: "PATCH", part: "/blobs/uploads/", n: 1000,
			fail: status(400, `{"errors":[{"code":"SIZE_INVALID","message":"blob too large for this repository"}]}`)}, "blob too large", 3},
		{"a 4xx whose code claims to be temporary", &failFirst{method: "PUT", part: "/manifests/", n: 1000,
			fail: status(409, `{"errors":[{"code":"UNKNOWN","message":"tag is held by a rule"}]}`)}, "tag is held by a rule", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := startRegistry(t, registryOptions{})
			reg.setIntercept(tt.f.intercept)
			start := time.Now()
			rec := &recorder{}
			_, err := publish.Push(context.Background(), randomImage(t), reg.host+"/retry/app:v1", publish.Options{Progress: rec})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if !rec.last(t).Failed {
				t.Error("the final report does not say the push failed")
			}
			if tt.f.attempts() > tt.maxAttempts {
				t.Fatalf("%d attempts, want at most %d", tt.f.attempts(), tt.maxAttempts)
			}
			if took := time.Since(start); took > 400*time.Millisecond {
				t.Fatalf("failing took %s: something waited to retry", took)
			}
		})
	}
}

func TestAnImmutableTagRefusesAnotherImage(t *testing.T) {
	t.Parallel()
	guard := func(repo, tag string) string {
		if strings.HasPrefix(tag, "v") {
			return "release tags v*"
		}
		return ""
	}
	reg := startRegistry(t, registryOptions{guard: guard})
	ref := reg.host + "/team/app:v1.0.0"
	img := randomImage(t)
	first, err := publish.Push(context.Background(), img, ref, publish.Options{Labels: provenance})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the same image again is fine", func(t *testing.T) {
		again, err := publish.Push(context.Background(), img, ref, publish.Options{Labels: provenance})
		if err != nil || again.Digest != first.Digest {
			t.Fatalf("push again: %v, %s (first %s)", err, again.Digest, first.Digest)
		}
	})
	t.Run("another image fails at once naming the rule", func(t *testing.T) {
		reg.take()
		start := time.Now()
		_, err := publish.Push(context.Background(), randomImage(t), ref, publish.Options{Labels: provenance})
		if err == nil || !strings.Contains(err.Error(), "immutable") || !strings.Contains(err.Error(), "release tags v*") {
			t.Fatalf("err = %v, want the immutability refusal", err)
		}
		if n := count(reg.take(), "PUT", "/manifests/"); n != 1 {
			t.Fatalf("%d manifest PUTs, want 1", n)
		}
		if took := time.Since(start); took > 400*time.Millisecond {
			t.Fatalf("failing took %s", took)
		}
	})
}

// robotRegistry is a registry whose one account is the robot ci, which
// may pull and push ci/**, logging in with token.
func robotRegistry(t testing.TB, token string) *testRegistry {
	sum := sha256.Sum256([]byte(token))
	return startRegistry(t, registryOptions{auth: &config.Auth{
		Service:  "berth-test",
		TokenTTL: 5 * time.Minute,
		Robots: []config.Robot{{
			Name:   "ci",
			Token:  "sha256:" + hex.EncodeToString(sum[:]),
			Access: []config.Grant{{Repos: "ci/**", Actions: []string{"pull", "push"}}},
		}},
	}})
}

func TestCredentials(t *testing.T) {
	const token = "berth_robot_0123456789"
	t.Run("a robot's token is its password", func(t *testing.T) {
		reg := robotRegistry(t, token)
		auth := &authn.Basic{Username: "ci", Password: token}
		if _, err := publish.Push(context.Background(), randomImage(t), reg.host+"/ci/app:v1", publish.Options{Auth: auth}); err != nil {
			t.Fatal(err)
		}
	})
	refusals := []struct {
		name, password, repo, want string
	}{
		{"a wrong token fails at once with the registry's answer", "wrong", "ci/app", "invalid username or password"},
		{"a repository outside the robot's grants fails at once", token, "team/app", "token does not allow repository:team/app"},
		{"no credentials fail at once", "", "ci/app", "UNAUTHORIZED"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			reg := robotRegistry(t, token)
			t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials there
			opts := publish.Options{}
			if tt.password != "" {
				opts.Auth = &authn.Basic{Username: "ci", Password: tt.password}
			}
			start := time.Now()
			_, err := publish.Push(context.Background(), randomImage(t), reg.host+"/"+tt.repo+":v1", opts)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.want)) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if took := time.Since(start); took > 400*time.Millisecond {
				t.Fatalf("failing took %s", took)
			}
		})
	}
	t.Run("without credentials the Docker configuration is used", func(t *testing.T) {
		reg := robotRegistry(t, token)
		dir := t.TempDir()
		config := `{"auths":{"` + reg.host + `":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("ci:"+token)) + `"}}}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("DOCKER_CONFIG", dir)
		if _, err := publish.Push(context.Background(), randomImage(t), reg.host+"/ci/app:v1", publish.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestACancelledPushStops(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	reg.setIntercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "PATCH" {
			cancel()
			status(503, "")(w)
			return true
		}
		return false
	})
	start := time.Now()
	_, err := publish.Push(ctx, randomImage(t), reg.host+"/cancel/app:v1", publish.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("stopping took %s", took)
	}
}
