package publish_test

import (
	"bytes"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/internal/publish"
)

func TestAnnotate(t *testing.T) {
	base, err := random.Image(8<<10, 2) // Docker media types
	if err != nil {
		t.Fatal(err)
	}
	labelled, err := mutate.Config(base, v1.Config{Labels: map[string]string{
		"keep":                             "me",
		"org.opencontainers.image.version": "v0.0.1",
	}})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("labels merge into the config and become annotations", func(t *testing.T) {
		img, err := publish.Annotate(labelled, provenance)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Config.Labels["keep"] != "me" || cf.Config.Labels["org.opencontainers.image.version"] != "v1.2.3" {
			t.Errorf("labels %v", cf.Config.Labels)
		}
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range provenance {
			if m.Annotations[k] != v || cf.Config.Labels[k] != v {
				t.Errorf("%s: annotation %q, label %q, want %q", k, m.Annotations[k], cf.Config.Labels[k], v)
			}
		}
		if _, ok := m.Annotations["keep"]; ok {
			t.Error("an old label became an annotation")
		}
	})
	t.Run("a Docker image gets OCI media types and the same layers", func(t *testing.T) {
		img, err := publish.Annotate(labelled, provenance)
		if err != nil {
			t.Fatal(err)
		}
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if mt, _ := img.MediaType(); mt != types.OCIManifestSchema1 || m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
			t.Errorf("media types %s, %s, config %s", mt, m.MediaType, m.Config.MediaType)
		}
		for _, l := range m.Layers {
			if l.MediaType != types.OCILayer {
				t.Errorf("layer media type %s", l.MediaType)
			}
		}
		if got, want := layerDigests(t, img), layerDigests(t, base); !slices.Equal(got, want) {
			t.Errorf("layers %v, want %v", got, want)
		}
		raw, err := img.RawManifest()
		if err != nil {
			t.Fatal(err)
		}
		if d, _, _ := v1.SHA256(bytes.NewReader(raw)); d != mustDigest(t, img) {
			t.Errorf("the digest is not the manifest's")
		}
	})
	t.Run("labels the config has already leave it as it is", func(t *testing.T) {
		withAll, err := mutate.Config(base, v1.Config{Labels: provenance})
		if err != nil {
			t.Fatal(err)
		}
		img, err := publish.Annotate(withAll, provenance)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := withAll.ConfigName()
		after, _ := img.ConfigName()
		if before != after {
			t.Fatalf("config %s became %s", before, after)
		}
		if mustDigest(t, img) == mustDigest(t, withAll) {
			t.Fatal("the manifest did not change")
		}
	})
	t.Run("no labels leave the image alone", func(t *testing.T) {
		img, err := publish.Annotate(base, nil)
		if err != nil {
			t.Fatal(err)
		}
		if mustDigest(t, img) != mustDigest(t, base) {
			t.Fatal("digest changed")
		}
	})
	t.Run("an OCI image keeps its annotations", func(t *testing.T) {
		oci, err := publish.Annotate(base, map[string]string{"org.example.first": "1"})
		if err != nil {
			t.Fatal(err)
		}
		img, err := publish.Annotate(oci, provenance)
		if err != nil {
			t.Fatal(err)
		}
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if m.Annotations["org.example.first"] != "1" || m.Annotations["org.opencontainers.image.revision"] == "" {
			t.Fatalf("annotations %v", m.Annotations)
		}
	})
}
