package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func randomSuffix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// helloSource is the test image's program: it prints a greeting.
const helloSource = `package main

import "fmt"

func main() { fmt.Println("hello from berth") }
`

// buildHelloImage builds a FROM scratch image holding a static Go binary
// and tags it ref. The image is removed when the test ends.
func buildHelloImage(t testing.TB, ref string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"main.go":    helloSource,
		"go.mod":     "module hello\n\ngo 1.22\n",
		"Dockerfile": "FROM scratch\nCOPY hello /hello\nENTRYPOINT [\"/hello\"]\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", "hello", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-trimpath")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building test program: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", ref).Run() })
	run(t, "docker", "build", "--label", "berth.test=1", "-t", ref, dir)
}

func TestDockerPushPullRun(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir())
	ref := b.addr + "/e2e/hello-" + randomSuffix(t) + ":v1"
	buildHelloImage(t, ref)

	out := run(t, "docker", "push", ref)
	if !strings.Contains(out, "digest: sha256:") {
		t.Fatalf("docker push printed no digest:\n%s", out)
	}
	run(t, "docker", "rmi", ref)
	run(t, "docker", "pull", ref)

	container := "berth-e2e-" + randomSuffix(t)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", container).Run() })
	if got := run(t, "docker", "run", "--rm", "--name", container, "--label", "berth.test=1", ref); strings.TrimSpace(got) != "hello from berth" {
		t.Fatalf("container printed %q", got)
	}

	// The digest docker reports is the one berth serves.
	repoDigest := strings.TrimSpace(run(t, "docker", "inspect", "--format", "{{index .RepoDigests 0}}", ref))
	d, err := name.NewDigest(repoDigest, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(d)
	if err != nil || desc.Digest.String() != d.DigestStr() {
		t.Fatalf("HEAD %s: %v %v", d, desc, err)
	}
}

func TestSkopeoCopyBetweenRepositories(t *testing.T) {
	requireTool(t, "skopeo")
	b := startBerth(t, t.TempDir())
	idx, err := random.Index(16<<10, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := name.ParseReference(b.addr+"/skopeo/src:v1", name.Insecure)
	if err := remote.WriteIndex(src, idx); err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(32<<10, 3)
	if err != nil {
		t.Fatal(err)
	}
	single, _ := name.ParseReference(b.addr+"/skopeo/single:v1", name.Insecure)
	if err := remote.Write(single, img); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ from, to string }{
		{"skopeo/single:v1", "skopeo/single-copy:v1"},
		{"skopeo/src:v1", "skopeo/index-copy:v1"},
	} {
		run(t, "skopeo", "copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false",
			"docker://"+b.addr+"/"+tc.from, "docker://"+b.addr+"/"+tc.to)
		from, _ := name.ParseReference(b.addr+"/"+tc.from, name.Insecure)
		to, _ := name.ParseReference(b.addr+"/"+tc.to, name.Insecure)
		a, err := remote.Head(from)
		if err != nil {
			t.Fatal(err)
		}
		c, err := remote.Head(to)
		if err != nil {
			t.Fatal(err)
		}
		if a.Digest != c.Digest {
			t.Fatalf("skopeo copy %s changed the digest: %s -> %s", tc.from, a.Digest, c.Digest)
		}
	}
	out := run(t, "skopeo", "inspect", "--raw", "--tls-verify=false", "docker://"+b.addr+"/skopeo/single-copy:v1")
	if !strings.Contains(out, `"layers"`) {
		t.Fatalf("skopeo inspect: %s", out)
	}
}
