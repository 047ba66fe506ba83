package manifest

import (
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"errors"
	"strings"
	"testing"
)

const (
	dgA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	dgB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func ociImage(extra string) string {
	return `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
	"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + dgA + `","size":2},
	"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"` + dgB + `","size":10}]` + extra + `}`
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name         string
		contentType  string
		body         string
		mediaType    string
		blobs        int
		children     int
		artifactType string
		subject      bool
	}{
		{"an OCI image manifest yields its config and layers", OCIManifest, ociImage(""), OCIManifest, 2, 0, "", false},
		{"a Content-Type with parameters is normalized", OCIManifest + "; charset=utf-8", ociImage(""), OCIManifest, 2, 0, "", false},
		{"a missing Content-Type falls back to the body", "", ociImage(""), OCIManifest, 2, 0, "", false},
		{"a Docker schema 2 manifest is accepted", DockerManifest,
			`{"schemaVersion":2,"mediaType":"` + DockerManifest + `","config":{"mediaType":"` + DockerConfig + `","digest":"` + dgA + `","size":1},"layers":[]}`,
			DockerManifest, 1, 0, "", false},
		{"a foreign layer with URLs is not required", DockerManifest,
			`{"schemaVersion":2,"mediaType":"` + DockerManifest + `","config":{"mediaType":"` + DockerConfig + `","digest":"` + dgA + `","size":1},
			"layers":[{"mediaType":"` + DockerForeignLayer + `","digest":"` + dgB + `","size":1,"urls":["https://example.invalid/l"]}]}`,
			DockerManifest, 1, 0, "", false},
		{"an OCI index lists its children", OCIIndex,
			`{"schemaVersion":2,"mediaType":"` + OCIIndex + `","manifests":[{"mediaType":"` + OCIManifest + `","digest":"` + dgA + `","size":5}]}`,
			OCIIndex, 0, 1, "", false},
		{"a Docker manifest list is an index", DockerManifestList,
			`{"schemaVersion":2,"mediaType":"` + DockerManifestList + `","manifests":[]}`,
			DockerManifestList, 0, 0, "", false},
		{"an index without mediaType is inferred", OCIIndex, `{"schemaVersion":2,"manifests":[]}`, OCIIndex, 0, 0, "", false},
		{"an artifact reports its config media type", OCIManifest,
			`{"schemaVersion":2,"mediaType":"` + OCIManifest + `","config":{"mediaType":"application/vnd.example.sbom","digest":"` + dgA + `","size":2},"layers":[]}`,
			OCIManifest, 1, 0, "application/vnd.example.sbom", false},
		{"an explicit artifactType and subject are kept", OCIManifest,
			ociImage(`,"artifactType":"application/vnd.example.sig","subject":{"mediaType":"` + OCIManifest + `","digest":"` + dgB + `","size":3}`),
			OCIManifest, 2, 0, "application/vnd.example.sig", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.contentType, []byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.MediaType != tt.mediaType || len(m.Blobs) != tt.blobs || len(m.Manifests) != tt.children ||
				m.ArtifactType != tt.artifactType || (m.Subject != nil) != tt.subject {
				t.Fatalf("got mediaType=%s blobs=%d children=%d artifactType=%q subject=%v",
					m.MediaType, len(m.Blobs), len(m.Manifests), m.ArtifactType, m.Subject != nil)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        error
	}{
		{"text that is not JSON is invalid", OCIManifest, "hello", ErrInvalid},
		{"a JSON array is invalid", OCIManifest, "[]", ErrInvalid},
		{"trailing data after the object is invalid", OCIManifest, ociImage("") + "x", ErrInvalid},
		{"a Content-Type that disagrees with mediaType is invalid", DockerManifest, ociImage(""), ErrInvalid},
		{"schemaVersion 1 is invalid", OCIManifest, strings.Replace(ociImage(""), `"schemaVersion":2`, `"schemaVersion":1`, 1), ErrInvalid},
		{"a missing schemaVersion is invalid", OCIManifest, strings.Replace(ociImage(""), `"schemaVersion":2,`, ``, 1), ErrInvalid},
		{"Docker schema 1 is unsupported", DockerSchema1JWS, `{"schemaVersion":1,"fsLayers":[]}`, ErrUnsupported},
		{"an unknown media type is unsupported", "application/json", `{"schemaVersion":2,"mediaType":"application/json"}`, ErrUnsupported},
		{"an image manifest without config is invalid", OCIManifest, `{"schemaVersion":2,"mediaType":"` + OCIManifest + `","layers":[]}`, ErrInvalid},
		{"a layer with a bad digest is invalid", OCIManifest, strings.Replace(ociImage(""), dgB, "sha256:zz", 1), ErrInvalid},
		{"a layer with a negative size is invalid", OCIManifest, strings.Replace(ociImage(""), `"size":10`, `"size":-1`, 1), ErrInvalid},
		{"a layer without mediaType is invalid", OCIManifest, strings.Replace(ociImage(""), `"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",`, ``, 1), ErrInvalid},
		{"an index with layers is invalid", OCIIndex, `{"schemaVersion":2,"mediaType":"` + OCIIndex + `","manifests":[],"layers":[]}`, ErrInvalid},
		{"an index without manifests is invalid", OCIIndex, `{"schemaVersion":2,"mediaType":"` + OCIIndex + `"}`, ErrInvalid},
		{"a subject that is not a manifest is invalid", OCIManifest,
			ociImage(`,"subject":{"mediaType":"application/octet-stream","digest":"` + dgB + `","size":3}`), ErrInvalid},
		{"a manifest over 4 MiB is invalid", OCIManifest, ociImage(`,"annotations":{"x":"` + strings.Repeat("a", MaxSize) + `"}`), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.contentType, []byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(OCIManifest, []byte(ociImage("")))
	f.Add(OCIIndex, []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"`+OCIManifest+`","digest":"`+dgA+`","size":5}]}`))
	f.Add("", []byte(`{"schemaVersion":2,"config":{}}`))
	f.Add(DockerSchema1JWS, []byte(`{"schemaVersion":1}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		m, err := Parse(contentType, body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if !IsManifest(m.MediaType) {
			t.Fatalf("accepted media type %q", m.MediaType)
		}
		for _, d := range append(append([]v1.Descriptor(nil), m.Blobs...), m.Manifests...) {
			if d.Digest.Validate() != nil || d.Size < 0 {
				t.Fatalf("accepted bad descriptor %+v", d)
			}
		}
	})
}
