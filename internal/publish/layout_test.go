package publish_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/berth-dev/berth/internal/publish"
)

// writeLayout makes an OCI layout holding images, each under its ref
// name.
func writeLayout(t testing.TB, images map[string]v1.Image) string {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for ref, img := range images {
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestImageFromLayout(t *testing.T) {
	one, two := randomImage(t), randomImage(t)
	ctx := context.Background()

	t.Run("the entry named by its ref name", func(t *testing.T) {
		dir := writeLayout(t, map[string]v1.Image{"v1": one, "v2": two})
		img, cleanup, err := publish.Image(ctx, nil, publish.Source{FromLayout: dir, LayoutRef: "v2"}, publish.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		if mustDigest(t, img) != mustDigest(t, two) {
			t.Fatal("picked the wrong image")
		}
	})
	t.Run("the only entry", func(t *testing.T) {
		dir := writeLayout(t, map[string]v1.Image{"latest": one})
		img, cleanup, err := publish.Image(ctx, nil, publish.Source{FromLayout: dir}, publish.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		if mustDigest(t, img) != mustDigest(t, one) {
			t.Fatal("picked the wrong image")
		}
	})
	t.Run("one of several needs a name", func(t *testing.T) {
		dir := writeLayout(t, map[string]v1.Image{"v1": one, "v2": two})
		_, _, err := publish.Image(ctx, nil, publish.Source{FromLayout: dir}, publish.Options{})
		if !errors.Is(err, publish.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an unknown name lists the names there are", func(t *testing.T) {
		dir := writeLayout(t, map[string]v1.Image{"v1": one})
		_, _, err := publish.Image(ctx, nil, publish.Source{FromLayout: dir, LayoutRef: "v9"}, publish.Options{})
		if !errors.Is(err, publish.ErrNotFound) || !strings.Contains(err.Error(), "v1") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an index entry yields the image for the platform", func(t *testing.T) {
		amd, arm := randomImage(t), randomImage(t)
		idx := mutate.AppendManifests(empty.Index,
			mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
			mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		)
		dir := t.TempDir()
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendIndex(idx); err != nil {
			t.Fatal(err)
		}
		img, cleanup, err := publish.Image(ctx, nil, publish.Source{FromLayout: dir, Platform: "linux/arm64"}, publish.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		if mustDigest(t, img) != mustDigest(t, arm) {
			t.Fatal("picked the wrong platform")
		}
		if _, _, err := publish.Image(ctx, nil, publish.Source{FromLayout: dir}, publish.Options{}); !errors.Is(err, publish.ErrNotFound) || !strings.Contains(err.Error(), "linux/amd64") {
			t.Fatalf("without a platform: err = %v", err)
		}
	})
	t.Run("a layout image is pushed with its layers as they are", func(t *testing.T) {
		reg := startRegistry(t, registryOptions{})
		dir := writeLayout(t, map[string]v1.Image{"v1": one})
		img, cleanup, err := publish.Image(ctx, nil, publish.Source{FromLayout: dir, LayoutRef: "v1"}, publish.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		res, err := publish.Push(ctx, img, reg.host+"/layout/app:v1", publish.Options{Labels: provenance})
		if err != nil {
			t.Fatal(err)
		}
		pulled := reg.pull("layout/app@" + res.Digest.String())
		got, want := layerDigests(t, pulled), layerDigests(t, one)
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("layers %v, want %v", got, want)
		}
	})
}

func TestImageWantsOneSource(t *testing.T) {
	for name, src := range map[string]publish.Source{
		"none":                     {},
		"two":                      {Context: ".", FromImage: "x"},
		"a local image, no client": {FromImage: "x"},
	} {
		t.Run(name, func(t *testing.T) {
			_, cleanup, err := publish.Image(context.Background(), nil, src, publish.Options{})
			if !errors.Is(err, publish.ErrSource) {
				t.Fatalf("err = %v", err)
			}
			cleanup()
		})
	}
}
