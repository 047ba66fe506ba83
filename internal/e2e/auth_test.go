package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

const alicePassword = "alice-e2e-password"

// authSetup is a berth.yaml written by the berth binary itself: anyone
// may pull public/**, the user alice may pull and push e2e/** and
// public/**, and the robot ci may pull and push ci/*.
type authSetup struct {
	path       string
	robotToken string
}

func writeAuthConfig(t testing.TB) authSetup {
	t.Helper()
	path := filepath.Join(t.TempDir(), "berth.yaml")
	berthCLI(t, "", "init", "--config", path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("anonymous_pull: []"), []byte(`anonymous_pull: ["public/**"]`), 1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	berthCLI(t, alicePassword+"\n", "user", "add", "alice", "--config", path, "--access", "e2e/**=pull,push", "--access", "public/**=pull,push")
	token := strings.TrimSpace(berthCLI(t, "", "robot", "add", "ci", "--config", path, "--access", "ci/*=pull,push"))
	return authSetup{path: path, robotToken: token}
}

// berthCLI runs the berth binary with stdin and returns its stdout.
func berthCLI(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(berthBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("berth %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// isolatedClient runs registry clients with a configuration of their
// own, so that the user's docker and containers credentials are never
// read or touched.
type isolatedClient struct {
	t   testing.TB
	env []string
}

func newIsolatedClient(t testing.TB) *isolatedClient {
	dir := t.TempDir()
	return &isolatedClient{t: t, env: append(os.Environ(),
		"DOCKER_CONFIG="+dir,
		"REGISTRY_AUTH_FILE="+filepath.Join(dir, "containers-auth.json"),
		"DOCKER_BUILDKIT=0",
	)}
}

// try runs a command with stdin and returns its combined output.
func (c *isolatedClient) try(stdin, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = c.env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// must runs a command that has to succeed.
func (c *isolatedClient) must(stdin, name string, args ...string) string {
	c.t.Helper()
	out, err := c.try(stdin, name, args...)
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// refused runs a command that has to fail for want of authorization.
func (c *isolatedClient) refused(stdin, name string, args ...string) {
	c.t.Helper()
	out, err := c.try(stdin, name, args...)
	if err == nil {
		c.t.Fatalf("%s %s succeeded:\n%s", name, strings.Join(args, " "), out)
	}
	c.t.Logf("%s %s was refused:\n%s", name, strings.Join(args, " "), out)
	low := strings.ToLower(out)
	if !strings.Contains(low, "denied") && !strings.Contains(low, "unauthorized") && !strings.Contains(low, "authentication required") {
		c.t.Fatalf("%s %s failed, but not for want of authorization:\n%s", name, strings.Join(args, " "), out)
	}
}

// tag gives the image ref another name, removed when the test ends.
func (c *isolatedClient) tag(ref, as string) {
	c.t.Helper()
	c.t.Cleanup(func() { _, _ = c.try("", "docker", "rmi", "-f", as) })
	c.must("", "docker", "tag", ref, as)
}

func TestDockerWithAuth(t *testing.T) {
	requireDocker(t)
	setup := writeAuthConfig(t)
	b := startBerth(t, t.TempDir(), "--config", setup.path)
	docker := newIsolatedClient(t)
	suffix := randomSuffix(t)
	image := b.addr + "/e2e/hello-" + suffix + ":v1"
	buildHelloImage(t, image)

	t.Run("a push without logging in is refused", func(t *testing.T) {
		docker.refused("", "docker", "push", image)
	})
	t.Run("a wrong password does not log in", func(t *testing.T) {
		docker.refused("not-the-password\n", "docker", "login", b.addr, "-u", "alice", "--password-stdin")
	})
	t.Run("a user logs in, pushes and pulls", func(t *testing.T) {
		out := docker.must(alicePassword+"\n", "docker", "login", b.addr, "-u", "alice", "--password-stdin")
		if !strings.Contains(out, "Login Succeeded") {
			t.Fatalf("docker login: %s", out)
		}
		if out := docker.must("", "docker", "push", image); !strings.Contains(out, "digest: sha256:") {
			t.Fatalf("docker push printed no digest:\n%s", out)
		}
		docker.must("", "docker", "rmi", image)
		docker.must("", "docker", "pull", image)
	})
	t.Run("a user is refused outside its grants", func(t *testing.T) {
		secret := b.addr + "/secret/hello-" + suffix + ":v1"
		docker.tag(image, secret)
		docker.refused("", "docker", "push", secret)
	})
	t.Run("a robot pushes inside its pattern and is refused outside it", func(t *testing.T) {
		docker.must(setup.robotToken+"\n", "docker", "login", b.addr, "-u", "ci", "--password-stdin")
		inside := b.addr + "/ci/hello-" + suffix + ":v1"
		docker.tag(image, inside)
		docker.must("", "docker", "push", inside)
		outside := b.addr + "/e2e/robot-" + suffix + ":v1"
		docker.tag(image, outside)
		docker.refused("", "docker", "push", outside)
	})
	t.Run("anonymous pull works only where configured", func(t *testing.T) {
		docker.must(alicePassword+"\n", "docker", "login", b.addr, "-u", "alice", "--password-stdin")
		public := b.addr + "/public/hello-" + suffix + ":v1"
		docker.tag(image, public)
		docker.must("", "docker", "push", public)
		docker.must("", "docker", "logout", b.addr)
		docker.must("", "docker", "rmi", public, image)
		docker.must("", "docker", "pull", public)
		docker.refused("", "docker", "pull", image)
	})
	// Last: it leaves this client's address throttled for a while.
	t.Run("password guessing is throttled, and docker says so", func(t *testing.T) {
		var out string
		// The default allows 10 failures a minute, and gives one back
		// every 6s: on a loaded machine, where each docker login takes
		// most of a second, the budget runs out a few guesses past 10.
		for i := range 30 {
			var err error
			out, err = docker.try("guess-"+strconv.Itoa(i)+"\n", "docker", "login", b.addr, "-u", "alice", "--password-stdin")
			if err == nil {
				t.Fatalf("guess %d logged in:\n%s", i, out)
			}
			if strings.Contains(out, "too many failed logins") {
				break
			}
		}
		if !strings.Contains(out, "too many failed logins") || !strings.Contains(out, "try again in") {
			t.Fatalf("30 wrong passwords, and docker login still says:\n%s", out)
		}
		t.Logf("docker login after the guesses:\n%s", out)
	})
}

// ggcrRef parses ref on berth's address.
func ggcrRef(t testing.TB, b *berth, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(b.addr+"/"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantStatus fails unless err is a registry answer with one of codes.
func wantStatus(t testing.TB, err error, codes ...int) {
	t.Helper()
	var terr *transport.Error
	if !errors.As(err, &terr) {
		t.Fatalf("error %v, want an HTTP status %v", err, codes)
	}
	for _, c := range codes {
		if terr.StatusCode == c {
			return
		}
	}
	t.Fatalf("status %d (%v), want %v", terr.StatusCode, err, codes)
}

func TestGoContainerRegistryWithAuth(t *testing.T) {
	setup := writeAuthConfig(t)
	b := startBerth(t, t.TempDir(), "--config", setup.path)
	alice := remote.WithAuth(&authn.Basic{Username: "alice", Password: alicePassword})
	robot := remote.WithAuth(&authn.Basic{Username: "ci", Password: setup.robotToken})
	img, err := random.Image(16<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	want, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	pulls := func(t *testing.T, ref string, opts ...remote.Option) {
		t.Helper()
		got, err := remote.Image(ggcrRef(t, b, ref), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := got.Digest(); err != nil || d != want {
			t.Fatalf("pulled %v %v, want %v", d, err, want)
		}
		layers, err := got.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			rc.Close()
		}
	}

	t.Run("a user pushes and pulls with Basic credentials", func(t *testing.T) {
		if err := remote.Write(ggcrRef(t, b, "e2e/crane:v1"), img, alice); err != nil {
			t.Fatal(err)
		}
		pulls(t, "e2e/crane:v1", alice)
	})
	t.Run("no credentials are refused", func(t *testing.T) {
		wantStatus(t, remote.Write(ggcrRef(t, b, "e2e/crane:v2"), img), http.StatusUnauthorized)
		_, err := remote.Head(ggcrRef(t, b, "e2e/crane:v1"))
		wantStatus(t, err, http.StatusUnauthorized)
	})
	t.Run("a wrong password is refused", func(t *testing.T) {
		_, err := remote.Head(ggcrRef(t, b, "e2e/crane:v1"), remote.WithAuth(&authn.Basic{Username: "alice", Password: "nope"}))
		wantStatus(t, err, http.StatusUnauthorized)
	})
	t.Run("a robot pushes inside its pattern only", func(t *testing.T) {
		if err := remote.Write(ggcrRef(t, b, "ci/crane:v1"), img, robot); err != nil {
			t.Fatal(err)
		}
		pulls(t, "ci/crane:v1", robot)
		wantStatus(t, remote.Write(ggcrRef(t, b, "e2e/robot:v1"), img, robot), http.StatusUnauthorized, http.StatusForbidden)
	})
	t.Run("anyone pulls a public repository", func(t *testing.T) {
		if err := remote.Write(ggcrRef(t, b, "public/crane:v1"), img, alice); err != nil {
			t.Fatal(err)
		}
		pulls(t, "public/crane:v1")
		wantStatus(t, remote.Write(ggcrRef(t, b, "public/crane:v2"), img), http.StatusUnauthorized)
	})
	t.Run("Basic credentials work without the token flow", func(t *testing.T) {
		get := func(path, user, pass string) *http.Response {
			req, _ := http.NewRequest(http.MethodGet, b.url(path), nil)
			req.Header.Set("Accept", string(ggcrMediaType(t, img)))
			if user != "" {
				req.SetBasicAuth(user, pass)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		if res := get("/v2/e2e/crane/manifests/v1", "alice", alicePassword); res.StatusCode != http.StatusOK {
			t.Fatalf("with a password: %d", res.StatusCode)
		}
		if res := get("/v2/public/crane/manifests/v1", "", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("public without credentials: %d", res.StatusCode)
		}
		res := get("/v2/e2e/crane/manifests/v1", "", "")
		challenge := `Bearer realm="` + b.url("/token") + `",service="berth",scope="repository:e2e/crane:pull"`
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") != challenge {
			t.Fatalf("without credentials: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
		if res := get("/v2/e2e/crane/manifests/v1", "ci", setup.robotToken); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a robot outside its pattern: %d", res.StatusCode)
		}
	})
	t.Run("a malformed Authorization header is a 401", func(t *testing.T) {
		for _, h := range []string{"Basic", "Basic !!!", "Bearer", "Bearer not.a.token", "Bearer a b", "Digest x", strings.Repeat("x", 20000)} {
			req, _ := http.NewRequest(http.MethodGet, b.url("/v2/e2e/crane/tags/list"), nil)
			req.Header.Set("Authorization", h)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer realm=") {
				t.Fatalf("%.20q: %d %q", h, res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
		}
	})
	t.Run("the token endpoint grants what the account has", func(t *testing.T) {
		q := url.Values{"service": {"berth"}, "scope": {"repository:e2e/crane:pull,push", "repository:secret/x:pull"}}
		req, _ := http.NewRequest(http.MethodGet, b.url("/token?"+q.Encode()), nil)
		req.SetBasicAuth("alice", alicePassword)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			Token     string `json:"token"`
			ExpiresIn int    `json:"expires_in"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body.Token == "" || body.ExpiresIn != 300 {
			t.Fatalf("status %d, %+v, %v", res.StatusCode, body, err)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("Cache-Control %q", res.Header.Get("Cache-Control"))
		}
	})
}

func ggcrMediaType(t testing.TB, img ggcr.Image) string {
	t.Helper()
	mt, err := img.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	return string(mt)
}

func TestSkopeoWithAuth(t *testing.T) {
	requireTool(t, "skopeo")
	setup := writeAuthConfig(t)
	b := startBerth(t, t.TempDir(), "--config", setup.path)
	alice := remote.WithAuth(&authn.Basic{Username: "alice", Password: alicePassword})
	img, err := random.Image(32<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"e2e/skopeo-src:v1", "public/skopeo:v1"} {
		if err := remote.Write(ggcrRef(t, b, ref), img, alice); err != nil {
			t.Fatal(err)
		}
	}
	skopeo := newIsolatedClient(t)
	creds := "alice:" + alicePassword
	src, dst := "docker://"+b.addr+"/e2e/skopeo-src:v1", "docker://"+b.addr+"/e2e/skopeo-copy:v1"

	t.Run("skopeo copies between repositories with credentials", func(t *testing.T) {
		skopeo.must("", "skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
			"--src-creds", creds, "--dest-creds", creds, src, dst)
		out := skopeo.must("", "skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", creds, dst)
		if !strings.Contains(out, `"layers"`) {
			t.Fatalf("skopeo inspect: %s", out)
		}
		a, err := remote.Head(ggcrRef(t, b, "e2e/skopeo-src:v1"), alice)
		if err != nil {
			t.Fatal(err)
		}
		c, err := remote.Head(ggcrRef(t, b, "e2e/skopeo-copy:v1"), alice)
		if err != nil || a.Digest != c.Digest {
			t.Fatalf("copy %v %v, source %v", c, err, a.Digest)
		}
	})
	t.Run("skopeo without credentials is refused", func(t *testing.T) {
		skopeo.refused("", "skopeo", "inspect", "--raw", "--tls-verify=false", src)
		skopeo.refused("", "skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
			src, "docker://"+b.addr+"/e2e/skopeo-anon:v1")
	})
	t.Run("skopeo with a robot's token is refused outside its pattern", func(t *testing.T) {
		skopeo.refused("", "skopeo", "inspect", "--raw", "--tls-verify=false", "--creds", "ci:"+setup.robotToken, src)
	})
	t.Run("skopeo reads a public repository without credentials", func(t *testing.T) {
		skopeo.must("", "skopeo", "inspect", "--raw", "--tls-verify=false", "docker://"+b.addr+"/public/skopeo:v1")
	})
}

// TestSIGHUPReloadsAccounts adds a user to the config of a running berth
// and sends SIGHUP: the account is in force without a restart.
func TestSIGHUPReloadsAccounts(t *testing.T) {
	requireDocker(t)
	path := filepath.Join(t.TempDir(), "berth.yaml")
	berthCLI(t, "", "init", "--config", path)
	b := startBerth(t, t.TempDir(), "--config", path)
	if code := anonymousStatus(t, b); code != http.StatusOK {
		t.Fatalf("before any account: /v2/ answered %d", code)
	}
	berthCLI(t, alicePassword+"\n", "user", "add", "alice", "--config", path, "--access", "e2e/**=pull,push")
	if err := b.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "berth to reload its configuration", func() bool {
		return strings.Contains(b.output(), "configuration reloaded")
	})
	if code := anonymousStatus(t, b); code != http.StatusUnauthorized {
		t.Fatalf("after the reload: anonymous /v2/ answered %d, want 401", code)
	}
	docker := newIsolatedClient(t)
	if out := docker.must(alicePassword+"\n", "docker", "login", b.addr, "-u", "alice", "--password-stdin"); !strings.Contains(out, "Login Succeeded") {
		t.Fatalf("docker login: %s", out)
	}
}

func anonymousStatus(t *testing.T, b *berth) int {
	t.Helper()
	resp, err := http.Get("http://" + b.addr + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
