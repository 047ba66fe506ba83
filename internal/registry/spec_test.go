package registry_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestAnInvalidTagNamesNoManifest(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(reg.ref("app:v1"), img); err != nil {
		t.Fatal(err)
	}
	body, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	ociType := map[string]string{"Content-Type": string(types.DockerManifestSchema2)}
	tests := []struct {
		name   string
		method string
		ref    string
		status int
		code   string // "" for HEAD, which has no body
	}{
		{"a GET of a tag starting with a dash is unknown", http.MethodGet, "-bad", 404, "MANIFEST_UNKNOWN"},
		{"a HEAD of a tag starting with a dash is unknown", http.MethodHead, "-bad", 404, ""},
		{"a GET of a tag over 128 characters is unknown", http.MethodGet, strings.Repeat("v", 129), 404, "MANIFEST_UNKNOWN"},
		{"a GET of a tag with a bad character is unknown", http.MethodGet, "v1+build", 404, "MANIFEST_UNKNOWN"},
		{"a GET in a repository that does not exist is unknown", http.MethodGet, "-bad", 404, "MANIFEST_UNKNOWN"},
		{"a GET of a malformed digest is still refused as such", http.MethodGet, "sha256:xyz", 400, "DIGEST_INVALID"},
		{"a PUT to an invalid tag is refused as TAG_INVALID", http.MethodPut, "-bad", 400, "TAG_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := "app"
			if strings.Contains(tt.name, "does not exist") {
				repo = "nothing"
			}
			var sent []byte
			if tt.method == http.MethodPut {
				sent = body
			}
			res := reg.do(tt.method, "/v2/"+repo+"/manifests/"+tt.ref, ociType, sent)
			if res.status != tt.status || res.code() != tt.code {
				t.Fatalf("got %d %s, want %d %s: %s", res.status, res.code(), tt.status, tt.code, res.body)
			}
		})
	}
}

// referrersIndex is the body of a referrers response.
type referrersIndex struct {
	MediaType string `json:"mediaType"`
	Manifests []struct {
		Digest       string `json:"digest"`
		ArtifactType string `json:"artifactType"`
	} `json:"manifests"`
}

func (reg *testRegistry) referrers(t testing.TB, path string) (response, referrersIndex) {
	t.Helper()
	res := reg.do(http.MethodGet, path, nil, nil)
	var idx referrersIndex
	if res.status != http.StatusOK || json.Unmarshal(res.body, &idx) != nil {
		t.Fatalf("GET %s: %d %s", path, res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != string(types.OCIImageIndex) || idx.MediaType != ct || idx.Manifests == nil {
		t.Fatalf("GET %s: Content-Type %q, body %s", path, ct, res.body)
	}
	return res, idx
}

func TestReferrersOfAnUnknownRepositoryAreAnEmptyIndex(t *testing.T) {
	reg := startRegistry(t)
	subject := "sha256:" + fmt.Sprintf("%064d", 7)
	_, idx := reg.referrers(t, "/v2/nothing/here/referrers/"+subject)
	if len(idx.Manifests) != 0 {
		t.Fatalf("referrers = %+v", idx.Manifests)
	}
	_, idx = reg.referrers(t, "/v2/nothing/here/referrers/"+subject+"?artifactType=application/x")
	if len(idx.Manifests) != 0 {
		t.Fatalf("filtered referrers = %+v", idx.Manifests)
	}
	// go-containerregistry reads the answer as the referrers API's, not as
	// a registry without one (which it would answer from a fallback tag).
	got, err := remote.Referrers(reg.ref("nothing/here@" + subject).(name.Digest))
	if err != nil {
		t.Fatal(err)
	}
	if im, err := got.IndexManifest(); err != nil || len(im.Manifests) != 0 {
		t.Fatalf("go-containerregistry got %+v, %v", im, err)
	}
}

func TestAnImageReferrerWithoutArtifactTypeHasItsConfigType(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(reg.ref("app:v1"), img); err != nil {
		t.Fatal(err)
	}
	subject, err := partial.Descriptor(img)
	if err != nil {
		t.Fatal(err)
	}
	// An ordinary OCI image (standard config type, no artifactType) that
	// refers to the first, as some signing tools push them.
	ref, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref = mutate.ConfigMediaType(mutate.MediaType(ref, types.OCIManifestSchema1), types.OCIConfigJSON)
	ref = mutate.Subject(ref, *subject).(ggcr.Image)
	refDigest := mustDigest(t, ref)
	if err := remote.Write(reg.ref("app@"+refDigest.String()), ref); err != nil {
		t.Fatal(err)
	}

	subjectRef := reg.ref("app@" + subject.Digest.String()).(name.Digest)
	all, err := remote.Referrers(subjectRef)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := all.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != refDigest || im.Manifests[0].ArtifactType != string(types.OCIConfigJSON) {
		t.Fatalf("referrers = %+v, want %s with artifactType %s", im.Manifests, refDigest, types.OCIConfigJSON)
	}

	path := "/v2/app/referrers/" + subject.Digest.String()
	res, idx := reg.referrers(t, path+"?artifactType="+url.QueryEscape(string(types.OCIConfigJSON)))
	if len(idx.Manifests) != 1 || idx.Manifests[0].Digest != refDigest.String() || res.header.Get("OCI-Filters-Applied") != "artifactType" {
		t.Fatalf("filtered by the config type: %v %s", res.header, res.body)
	}
	res, idx = reg.referrers(t, path+"?artifactType=application/vnd.example.other")
	if len(idx.Manifests) != 0 || res.header.Get("OCI-Filters-Applied") != "artifactType" {
		t.Fatalf("filtered by another type: %v %s", res.header, res.body)
	}
	if res, _ := reg.referrers(t, path); res.header.Get("OCI-Filters-Applied") != "" {
		t.Fatalf("an unfiltered answer says it was filtered: %v", res.header)
	}
}
