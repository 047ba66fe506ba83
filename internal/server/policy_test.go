package server

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/webhook"
)

// initConfig is what `berth init` writes, loaded.
func initConfig(t *testing.T) func(*config.Config) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(path, []byte(config.Template), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(c *config.Config) {
		listen, proxyListen, data := c.Listen, c.ProxyListen, c.DataDir
		if err := c.LoadFile(path); err != nil {
			t.Fatal(err)
		}
		c.Listen, c.ProxyListen, c.DataDir = listen, proxyListen, data
	}
}

func ref(t *testing.T, url, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(strings.TrimPrefix(url, "http://")+"/"+s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReleaseTagsAreImmutableByDefault(t *testing.T) {
	url, _ := start(t, t.TempDir(), initConfig(t))
	first, _ := random.Image(512, 1)
	second, _ := random.Image(512, 1)
	if err := remote.Write(ref(t, url, "app:v1.0.0"), first); err != nil {
		t.Fatal(err)
	}
	t.Run("pushing the same image again succeeds", func(t *testing.T) {
		if err := remote.Write(ref(t, url, "app:v1.0.0"), first); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("pushing a different image fails and names the rule", func(t *testing.T) {
		err := remote.Write(ref(t, url, "app:v1.0.0"), second)
		var te *transport.Error
		if err == nil || !strings.Contains(err.Error(), "immutable") || !strings.Contains(err.Error(), `tags "v*"`) {
			t.Fatalf("push = %v", err)
		}
		if !errors.As(err, &te) || te.StatusCode != http.StatusConflict {
			t.Fatalf("status %d", te.StatusCode)
		}
		got, _ := remote.Head(ref(t, url, "app:v1.0.0"))
		want, _ := first.Digest()
		if got.Digest != want {
			t.Fatalf("v1.0.0 now %s", got.Digest)
		}
	})
	t.Run("deleting a release tag fails", func(t *testing.T) {
		if err := remote.Delete(ref(t, url, "app:v1.0.0")); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Fatalf("delete = %v", err)
		}
	})
	t.Run("latest stays mutable", func(t *testing.T) {
		if err := remote.Write(ref(t, url, "app:latest"), first); err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref(t, url, "app:latest"), second); err != nil {
			t.Fatalf("moving latest: %v", err)
		}
	})
}

// receiver is a webhook endpoint that fails the first failures requests.
type receiver struct {
	mu       sync.Mutex
	failures int
	calls    int
	bodies   [][]byte
	verified int
	secret   string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if rc.calls <= rc.failures {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if webhook.Verify(rc.secret, r.Header.Get("X-Berth-Timestamp"), body, r.Header.Get("X-Berth-Signature")) == nil {
		rc.verified++
	}
	rc.bodies = append(rc.bodies, body)
}

func (rc *receiver) snapshot() (calls, verified int, bodies []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, b := range rc.bodies {
		bodies = append(bodies, string(b))
	}
	return rc.calls, rc.verified, bodies
}

func TestPushesReachAWebhook(t *testing.T) {
	rc := &receiver{failures: 2, secret: "0123456789abcdef-secret"}
	hookSrv := httptest.NewServer(rc)
	t.Cleanup(hookSrv.Close)
	hook := hookSrv.URL
	url, _ := start(t, t.TempDir(), func(c *config.Config) {
		c.Webhooks = []config.Webhook{{Name: "deployer", URL: hook, Secret: rc.secret, Repos: "apps/**"}}
	})
	img, _ := random.Image(512, 1)
	if err := remote.Write(ref(t, url, "apps/web:v1"), img); err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref(t, url, "other/thing:v1"), img); err != nil {
		t.Fatal(err)
	}
	// A push the registry refuses publishes nothing.
	res, err := http.Post(url+"/v2/apps/web/manifests/v2", "application/vnd.oci.image.manifest.v1+json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	deadline := time.Now().Add(20 * time.Second)
	for {
		calls, verified, bodies := rc.snapshot()
		if verified == 1 {
			if calls != 3 || !strings.Contains(bodies[0], `"repository":"apps/web"`) || !strings.Contains(bodies[0], `"tag":"v1"`) {
				t.Fatalf("calls %d, bodies %q", calls, bodies)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no verified delivery after 20s: %d calls", calls)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if calls, _, bodies := rc.snapshot(); calls != 3 || len(bodies) != 1 {
		t.Fatalf("later deliveries: %d calls, %q", calls, bodies)
	}
}

func TestMetricsAndHealth(t *testing.T) {
	url, _ := start(t, t.TempDir())
	img, _ := random.Image(512, 1)
	if err := remote.Write(ref(t, url, "app:v1"), img); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ok",
		"/metrics": `berth_http_requests_total{code="201",method="PUT",route="v2_manifest"} 1`,
	} {
		res, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("%s: %d, want %q in\n%s", path, res.StatusCode, want, body)
		}
	}
}
