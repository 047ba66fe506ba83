package publish_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/publish"
)

// dockerClient returns a client of the host's daemon, failing the test
// when none answers: these tests never skip.
func dockerClient(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Ping(ctx); err != nil {
		t.Fatalf("no Docker daemon answers (run scripts/setup.sh): %v", err)
	}
	return c
}

const helloSource = `package main

import "fmt"

func main() { fmt.Println("hello from berth publish") }
`

var (
	helloOnce sync.Once
	helloBin  []byte
	helloErr  error
)

// helloBinary is a static Linux binary that prints a greeting, compiled
// once per test binary.
func helloBinary(t testing.TB) []byte {
	t.Helper()
	helloOnce.Do(func() {
		dir, err := os.MkdirTemp("", "berth-publish-hello-")
		if err != nil {
			helloErr = err
			return
		}
		defer os.RemoveAll(dir)
		for name, content := range map[string]string{"main.go": helloSource, "go.mod": "module hello\n\ngo 1.22\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				helloErr = err
				return
			}
		}
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "hello", ".")
		build.Dir = dir
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := build.CombinedOutput(); err != nil {
			helloErr = errors.New("building the test program: " + err.Error() + "\n" + string(out))
			return
		}
		helloBin, helloErr = os.ReadFile(filepath.Join(dir, "hello"))
	})
	if helloErr != nil {
		t.Fatal(helloErr)
	}
	return helloBin
}

// helloContext is a build context: the binary, a file .dockerignore
// excludes and one it does not, and the Dockerfile, which copies the
// whole context to /ctx so that the test sees what was sent.
func helloContext(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello"), string(helloBinary(t)), 0o755)
	writeFile(t, filepath.Join(dir, "secret.txt"), "must not be sent", 0o644)
	writeFile(t, filepath.Join(dir, "notes.txt"), "sent", 0o644)
	writeFile(t, filepath.Join(dir, ".dockerignore"), "secret.txt\n", 0o644)
	writeFile(t, filepath.Join(dir, "Dockerfile"), helloDockerfile, 0o644)
	return dir
}

const helloDockerfile = `FROM scratch
ARG MSG=unset
LABEL berth.msg=$MSG
COPY . /ctx/
COPY hello /hello
ENTRYPOINT ["/hello"]
`

func writeFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// buildLabels are the provenance labels plus berth.test=1, which every
// image a test builds carries.
func buildLabels() map[string]string {
	labels := maps.Clone(provenance)
	labels["berth.test"] = "1"
	return labels
}

// files lists the paths of img's layers.
func files(t testing.TB, img v1.Image) map[string]bool {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]bool)
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimPrefix(h.Name, "/")] = true
		}
		rc.Close()
	}
	return out
}

// dockerCLI runs docker and returns its output, failing the test if it
// fails.
func dockerCLI(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestDockerBuildPushPull(t *testing.T) {
	docker := dockerClient(t)
	reg := startRegistry(t, registryOptions{})
	ctx := context.Background()
	msg := "hi"
	var output strings.Builder
	img, cleanup, err := publish.Image(ctx, docker, publish.Source{
		Context:   helloContext(t),
		BuildArgs: map[string]*string{"MSG": &msg},
	}, publish.Options{Labels: buildLabels(), BuildOutput: &output})
	if err != nil {
		t.Fatal(err)
	}
	cleaned := false
	t.Cleanup(func() {
		if !cleaned {
			cleanup()
		}
	})
	for _, want := range []string{"Step 1/", "Successfully built"} {
		if !strings.Contains(output.String(), want) {
			t.Errorf("build output lacks %q:\n%s", want, output.String())
		}
	}
	rec := &recorder{}
	ref := reg.host + "/build/hello:v1.2.3"
	res, err := publish.Push(ctx, img, ref, publish.Options{Labels: buildLabels(), Progress: rec})
	if err != nil {
		t.Fatal(err)
	}
	pulled := reg.pull("build/hello:v1.2.3")

	t.Run("the registry has the image with its labels and annotations", func(t *testing.T) {
		if got := mustDigest(t, pulled); got != res.Digest {
			t.Fatalf("registry has %s, Push returned %s", got, res.Digest)
		}
		cf, err := pulled.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		m, err := pulled.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range buildLabels() {
			if cf.Config.Labels[k] != v || m.Annotations[k] != v {
				t.Errorf("%s: label %q, annotation %q, want %q", k, cf.Config.Labels[k], m.Annotations[k], v)
			}
		}
		if cf.Config.Labels["berth.msg"] != "hi" {
			t.Errorf("the build arg did not reach the build: labels %v", cf.Config.Labels)
		}
		if res.LayersPushed != 2 || rec.last(t).Count(publish.LayerPushed) != 2 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("the context was sent without what .dockerignore excludes", func(t *testing.T) {
		got := files(t, pulled)
		for _, want := range []string{"ctx/hello", "ctx/notes.txt", "ctx/Dockerfile", "hello"} {
			if !got[want] {
				t.Errorf("the image lacks %s: %v", want, got)
			}
		}
		if got["ctx/secret.txt"] {
			t.Error("the image has secret.txt, which .dockerignore excludes")
		}
	})
	t.Run("the config is the one docker built", func(t *testing.T) {
		id, err := pulled.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := docker.ImageInspect(ctx, id.String()); err != nil {
			t.Fatalf("the daemon has no image %s: %v", id, err)
		}
		cleanup()
		cleaned = true
		if _, err := docker.ImageInspect(ctx, id.String()); !cerrdefs.IsNotFound(err) {
			t.Fatalf("after cleanup the built image is still there (%v)", err)
		}
	})
	t.Run("docker pulls and runs what was pushed", func(t *testing.T) {
		t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", ref).Run() })
		dockerCLI(t, "pull", ref)
		got := dockerCLI(t, "run", "--rm", "--label", "berth.test=1", ref)
		if strings.TrimSpace(got) != "hello from berth publish" {
			t.Fatalf("the container printed %q", got)
		}
		digests := dockerCLI(t, "image", "inspect", "--format", "{{json .RepoDigests}}", ref)
		if !strings.Contains(digests, res.Digest.String()) {
			t.Fatalf("docker pulled %s, pushed %s", digests, res.Digest)
		}
	})
}

func TestDockerDockerfileOutsideTheContext(t *testing.T) {
	docker := dockerClient(t)
	dir := helloContext(t)
	if err := os.Remove(filepath.Join(dir, "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	dockerfile := filepath.Join(t.TempDir(), "Dockerfile.publish")
	writeFile(t, dockerfile, helloDockerfile, 0o644)
	img, cleanup, err := publish.Image(context.Background(), docker, publish.Source{Context: dir, Dockerfile: dockerfile},
		publish.Options{Labels: buildLabels()})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	got := files(t, img)
	if !got["ctx/hello"] || got["ctx/Dockerfile"] {
		t.Fatalf("the image has %v", got)
	}
	for f := range got {
		if strings.Contains(f, ".dockerfile.") {
			t.Errorf("the Dockerfile sent along reached the build as %s", f)
		}
	}
}

func TestDockerFromImage(t *testing.T) {
	docker := dockerClient(t)
	reg := startRegistry(t, registryOptions{})
	ctx := context.Background()
	tag := "berth-publish-test:" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-") + "-" + time.Now().Format("150405.000000")
	tag = strings.ReplaceAll(tag, ".", "")
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", tag).Run() })

	built, cleanup, err := publish.Image(ctx, docker, publish.Source{Context: helloContext(t), Tag: tag}, publish.Options{Labels: buildLabels()})
	if err != nil {
		t.Fatal(err)
	}
	first, err := publish.Push(ctx, built, reg.host+"/local/hello:build", publish.Options{Labels: buildLabels()})
	cleanup()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a build kept under a tag stays after cleanup", func(t *testing.T) {
		if _, err := docker.ImageInspect(ctx, tag); err != nil {
			t.Fatalf("the kept image is gone: %v", err)
		}
	})
	t.Run("the local image pushes to the same digest as its build", func(t *testing.T) {
		img, cleanup, err := publish.Image(ctx, docker, publish.Source{FromImage: tag}, publish.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		res, err := publish.Push(ctx, img, reg.host+"/local/hello:image", publish.Options{Labels: buildLabels()})
		if err != nil {
			t.Fatal(err)
		}
		if res.Digest != first.Digest {
			t.Fatalf("from the image %s, from the build %s", res.Digest, first.Digest)
		}
		if res.LayersSkipped != 2 {
			t.Fatalf("result %+v: the registry had every layer", res)
		}
	})
	t.Run("new labels on a local image change its config", func(t *testing.T) {
		img, cleanup, err := publish.Image(ctx, docker, publish.Source{FromImage: tag}, publish.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		labels := buildLabels()
		labels["org.opencontainers.image.version"] = "v9.9.9"
		res, err := publish.Push(ctx, img, reg.host+"/local/hello:relabelled", publish.Options{Labels: labels})
		if err != nil {
			t.Fatal(err)
		}
		cf, err := reg.pull("local/hello@" + res.Digest.String()).ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Config.Labels["org.opencontainers.image.version"] != "v9.9.9" || cf.Config.Labels["berth.msg"] != "unset" {
			t.Fatalf("labels %v", cf.Config.Labels)
		}
	})
	t.Run("a missing image is not found", func(t *testing.T) {
		_, _, err := publish.Image(ctx, docker, publish.Source{FromImage: "berth-publish-test:does-not-exist"}, publish.Options{})
		if !errors.Is(err, publish.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDockerBuildErrors(t *testing.T) {
	docker := dockerClient(t)
	tests := []struct {
		name, dockerfile, want string
	}{
		{"a COPY of a missing file", "FROM scratch\nCOPY missing /\n", "COPY failed"},
		{"an unknown instruction", "FROM scratch\nFROBNICATE now\n", "unknown instruction"},
		{"an unknown target", "FROM scratch AS base\nCOPY hello /\n", "build target nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "Dockerfile"), tt.dockerfile, 0o644)
			writeFile(t, filepath.Join(dir, "hello"), "x", 0o644)
			src := publish.Source{Context: dir}
			if strings.Contains(tt.name, "target") {
				src.Target = "nope"
			}
			_, cleanup, err := publish.Image(context.Background(), docker, src, publish.Options{Labels: buildLabels()})
			cleanup()
			if !errors.Is(err, publish.ErrBuild) || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.want)) {
				t.Fatalf("err = %v, want ErrBuild with Docker's message about %q", err, tt.want)
			}
			t.Log(err)
		})
	}
}
