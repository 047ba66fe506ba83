package registry_test

import (
	"net/http"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/registry"
)

// releases protects every tag that starts with v, as the rule
// {repos: "**", tags: "v*"} does.
func releases(repo, tag string) string {
	if strings.HasPrefix(tag, "v") {
		return `repos "**" tags "v*"`
	}
	return ""
}

func TestDeletesCannotBreakWhatAManifestUses(t *testing.T) {
	reg := startRegistryWith(t, registry.Options{Guard: releases})
	push := func(ref string) ggcr.Image {
		t.Helper()
		img, err := random.Image(1024, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(reg.ref(ref), img); err != nil {
			t.Fatal(err)
		}
		return img
	}
	layerOf := func(img ggcr.Image) string {
		t.Helper()
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		d, err := layers[0].Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	release := push("app:v1.0.0")
	latest := push("app:latest")
	idx, err := random.Index(512, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(reg.ref("app:v2.0.0"), idx); err != nil {
		t.Fatal(err)
	}
	mutableIdx, err := random.Index(512, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(reg.ref("app:multi"), mutableIdx); err != nil {
		t.Fatal(err)
	}
	childOf := func(idx ggcr.ImageIndex) string {
		t.Helper()
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		return im.Manifests[0].Digest.String()
	}

	tests := []struct {
		name   string
		path   string
		status int
		says   []string
	}{
		{"a layer of an immutable release is refused, naming the tag and rule",
			"/v2/app/blobs/" + layerOf(release), 409, []string{"v1.0.0", `rule repos "**" tags "v*"`}},
		{"a child of an immutable index is refused, naming the tag and rule",
			"/v2/app/manifests/" + childOf(idx), 409, []string{"v2.0.0", `rule repos "**" tags "v*"`}},
		{"a layer of a mutable image is refused while the image uses it",
			"/v2/app/blobs/" + layerOf(latest), 405, []string{"is used by manifest " + mustDigest(t, latest).String(), "delete that manifest first"}},
		{"a child of a mutable index is refused while the index lists it",
			"/v2/app/manifests/" + childOf(mutableIdx), 405, []string{"is used by manifest " + mustDigest(t, mutableIdx).String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reg.do(http.MethodDelete, tt.path, nil, nil)
			if res.status != tt.status || res.code() != "DENIED" {
				t.Fatalf("DELETE %s: %d %s, want %d DENIED", tt.path, res.status, res.body, tt.status)
			}
			for _, s := range tt.says {
				if !strings.Contains(res.message(), s) {
					t.Fatalf("the refusal does not say %q: %s", s, res.body)
				}
			}
		})
	}
	t.Run("every image still pulls whole", func(t *testing.T) {
		verifyImage(t, reg.ref("app:v1.0.0"), mustDigest(t, release))
		verifyImage(t, reg.ref("app:latest"), mustDigest(t, latest))
		for _, ix := range []ggcr.ImageIndex{idx, mutableIdx} {
			im, _ := ix.IndexManifest()
			for _, c := range im.Manifests {
				verifyImage(t, reg.ref("app@"+c.Digest.String()), c.Digest)
			}
		}
	})
	t.Run("once the manifest is gone, what it used can be deleted", func(t *testing.T) {
		for _, path := range []string{
			"/v2/app/manifests/" + mustDigest(t, latest).String(),
			"/v2/app/blobs/" + layerOf(latest),
			"/v2/app/manifests/" + mustDigest(t, mutableIdx).String(),
			"/v2/app/manifests/" + childOf(mutableIdx),
		} {
			if res := reg.do(http.MethodDelete, path, nil, nil); res.status != http.StatusAccepted {
				t.Fatalf("DELETE %s: %d %s", path, res.status, res.body)
			}
		}
	})
}
