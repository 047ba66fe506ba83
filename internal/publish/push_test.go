package publish_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/internal/publish"
)

var provenance = map[string]string{
	"org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
	"org.opencontainers.image.version":  "v1.2.3",
	"org.opencontainers.image.source":   "https://example.com/team/app",
	"org.opencontainers.image.created":  "2026-01-02T03:04:05Z",
}

func TestPushStampsAndRoundTrips(t *testing.T) {
	reg := startRegistry(t, registryOptions{})
	img, err := random.Image(64<<10, 3)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	res, err := publish.Push(context.Background(), img, reg.host+"/team/app:v1.2.3", publish.Options{Labels: provenance, Progress: rec})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the result names what the registry holds", func(t *testing.T) {
		pulled := reg.pull("team/app:v1.2.3")
		if got := mustDigest(t, pulled); got != res.Digest {
			t.Fatalf("registry has %s, Push returned %s", got, res.Digest)
		}
		if want := reg.host + "/team/app:v1.2.3@" + res.Digest.String(); res.Ref() != want {
			t.Fatalf("Ref() = %s, want %s", res.Ref(), want)
		}
		if res.Repository != reg.host+"/team/app" || res.Tag != "v1.2.3" || res.MediaType != types.OCIManifestSchema1 {
			t.Fatalf("result %+v", res)
		}
		if res.LayersPushed != 3 || res.LayersSkipped != 0 {
			t.Fatalf("pushed %d, skipped %d layers; want 3 and 0", res.LayersPushed, res.LayersSkipped)
		}
		if mustDigest(t, img) == res.Digest {
			t.Fatal("stamping did not change the digest")
		}
	})
	t.Run("labels are in the config and annotations on the manifest", func(t *testing.T) {
		pulled := reg.pull("team/app@" + res.Digest.String())
		cf, err := pulled.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		m, err := pulled.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range provenance {
			if cf.Config.Labels[k] != v {
				t.Errorf("config label %s = %q, want %q", k, cf.Config.Labels[k], v)
			}
			if m.Annotations[k] != v {
				t.Errorf("annotation %s = %q, want %q", k, m.Annotations[k], v)
			}
		}
	})
	t.Run("layers are the same blobs", func(t *testing.T) {
		if got, want := layerDigests(t, reg.pull("team/app:v1.2.3")), layerDigests(t, img); !slices.Equal(got, want) {
			t.Fatalf("layers %v, want %v", got, want)
		}
	})
	t.Run("the reporter saw every layer pushed", func(t *testing.T) {
		p := rec.last(t)
		if p.Count(publish.LayerPushed) != 3 || p.Sent() != p.Total() || p.Total() == 0 {
			t.Fatalf("final report: %+v", p)
		}
	})
}

func TestPushingAgainIsCheap(t *testing.T) {
	reg := startRegistry(t, registryOptions{})
	img, err := random.Image(32<<10, 3)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.host + "/team/app:v1"
	first, err := publish.Push(context.Background(), img, ref, publish.Options{Labels: provenance})
	if err != nil {
		t.Fatal(err)
	}
	reg.take()

	t.Run("the same tag uploads nothing and returns the same digest", func(t *testing.T) {
		rec := &recorder{}
		again, err := publish.Push(context.Background(), img, ref, publish.Options{Labels: provenance, Progress: rec})
		if err != nil {
			t.Fatal(err)
		}
		if again.Digest != first.Digest {
			t.Fatalf("second push gave %s, first %s", again.Digest, first.Digest)
		}
		if again.LayersPushed != 0 || again.LayersSkipped != 3 {
			t.Fatalf("pushed %d, skipped %d layers; want 0 and 3", again.LayersPushed, again.LayersSkipped)
		}
		reqs := reg.take()
		for _, m := range []string{"POST", "PATCH", "PUT"} {
			if n := count(reqs, m, "/"); n != 0 {
				t.Errorf("%d %s requests: %v", n, m, reqs)
			}
		}
		if n := count(reqs, "HEAD", "/blobs/"); n != 0 {
			t.Errorf("%d blob HEADs: %v", n, reqs)
		}
		if p := rec.last(t); p.Count(publish.LayerSkipped) != 3 {
			t.Fatalf("final report: %+v", p)
		}
	})
	t.Run("another tag uploads no layer and reports them skipped", func(t *testing.T) {
		res, err := publish.Push(context.Background(), img, reg.host+"/team/app:v1-copy", publish.Options{Labels: provenance})
		if err != nil {
			t.Fatal(err)
		}
		if res.Digest != first.Digest || res.LayersSkipped != 3 || res.LayersPushed != 0 {
			t.Fatalf("result %+v", res)
		}
		reqs := reg.take()
		if n := count(reqs, "PATCH", "/blobs/"); n != 0 {
			t.Errorf("%d blob uploads: %v", n, reqs)
		}
		if n := count(reqs, "PUT", "/manifests/v1-copy"); n != 1 {
			t.Errorf("%d manifest PUTs: %v", n, reqs)
		}
	})
	t.Run("a new image sharing layers pushes only the new one", func(t *testing.T) {
		extra, err := random.Layer(16<<10, types.DockerLayer)
		if err != nil {
			t.Fatal(err)
		}
		layers, _ := img.Layers()
		bigger, err := mutate.AppendLayers(img, extra)
		if err != nil {
			t.Fatal(err)
		}
		res, err := publish.Push(context.Background(), bigger, reg.host+"/team/app:v2", publish.Options{Labels: provenance})
		if err != nil {
			t.Fatal(err)
		}
		if res.LayersPushed != 1 || res.LayersSkipped != len(layers) {
			t.Fatalf("pushed %d, skipped %d; want 1 and %d", res.LayersPushed, res.LayersSkipped, len(layers))
		}
	})
}

func TestPushWithoutLabelsKeepsTheImage(t *testing.T) {
	reg := startRegistry(t, registryOptions{})
	img, err := random.Image(16<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := publish.Push(context.Background(), img, reg.host+"/plain:v1", publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := mustDigest(t, img); res.Digest != want {
		t.Fatalf("pushed %s, the image is %s", res.Digest, want)
	}
	mt, _ := img.MediaType()
	if res.MediaType != mt {
		t.Fatalf("media type %s, want %s", res.MediaType, mt)
	}
}

func TestPushRefusesABadReference(t *testing.T) {
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"127.0.0.1:1/app", "127.0.0.1:1/app@sha256:" + strings.Repeat("0", 64), "Bad/Name:v1"} {
		if _, err := publish.Push(context.Background(), img, ref, publish.Options{}); err == nil {
			t.Errorf("Push(%q) succeeded", ref)
		}
	}
}
