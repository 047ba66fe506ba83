package registry_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// verifyImage pulls ref and checks that every layer's bytes hash to its
// digest and that the manifest digest is want.
func verifyImage(t testing.TB, ref name.Reference, want ggcr.Hash) {
	t.Helper()
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("pulling %s: %v", ref, err)
	}
	if got := mustDigest(t, img); got != want {
		t.Fatalf("pulled digest %s, pushed %s", got, want)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := ggcr.SHA256(rc)
		rc.Close()
		if err != nil || got != d {
			t.Fatalf("layer %s came back as %s (%v)", d, got, err)
		}
	}
	if _, err := img.ConfigFile(); err != nil {
		t.Fatalf("reading config: %v", err)
	}
}

func TestRandomImagesRoundTrip(t *testing.T) {
	reg := startRegistry(t)
	for i, layers := range []int64{1, 3, 8} {
		img, err := random.Image(64<<10, layers)
		if err != nil {
			t.Fatal(err)
		}
		ref := reg.ref(fmt.Sprintf("team/app%d:v1.0.%d", i, i))
		if err := remote.Write(ref, img); err != nil {
			t.Fatalf("pushing: %v", err)
		}
		verifyImage(t, ref, mustDigest(t, img))
		verifyImage(t, reg.ref(fmt.Sprintf("team/app%d@%s", i, mustDigest(t, img))), mustDigest(t, img))
	}
}

func TestMultiPlatformIndexRoundTrip(t *testing.T) {
	reg := startRegistry(t)
	idx, err := random.Index(32<<10, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.ref("multi:latest")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatalf("pushing index: %v", err)
	}
	got, err := remote.Index(ref)
	if err != nil {
		t.Fatal(err)
	}
	if mustDigest(t, got) != mustDigest(t, idx) {
		t.Fatalf("index digest changed")
	}
	im, err := got.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 3 {
		t.Fatalf("got %d children, want 3", len(im.Manifests))
	}
	for _, child := range im.Manifests {
		verifyImage(t, reg.ref("multi@"+child.Digest.String()), child.Digest)
	}
	desc, err := remote.Head(ref)
	if err != nil {
		t.Fatal(err)
	}
	if desc.MediaType != types.OCIImageIndex {
		t.Fatalf("HEAD media type %s", desc.MediaType)
	}
}

func TestArtifactsWithSubjectAreListedAsReferrers(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(1024, 1)
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
	push := func(artifactType types.MediaType) ggcr.Hash {
		t.Helper()
		layer, err := random.Layer(256, types.OCILayer)
		if err != nil {
			t.Fatal(err)
		}
		a, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
		if err != nil {
			t.Fatal(err)
		}
		a = mutate.ConfigMediaType(a, artifactType)
		withSubject := mutate.Subject(a, *subject).(ggcr.Image)
		d := mustDigest(t, withSubject)
		if err := remote.Write(reg.ref("app@"+d.String()), withSubject); err != nil {
			t.Fatalf("pushing artifact: %v", err)
		}
		return d
	}
	sig := push("application/vnd.example.signature")
	sbom := push("application/vnd.example.sbom")

	subjectRef := reg.ref("app@" + subject.Digest.String()).(name.Digest)
	all, err := remote.Referrers(subjectRef)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := all.IndexManifest()
	if len(im.Manifests) != 2 {
		t.Fatalf("got %d referrers, want 2: %+v", len(im.Manifests), im.Manifests)
	}
	filtered, err := remote.Referrers(subjectRef, remote.WithFilter("artifactType", "application/vnd.example.sbom"))
	if err != nil {
		t.Fatal(err)
	}
	fm, _ := filtered.IndexManifest()
	if len(fm.Manifests) != 1 || fm.Manifests[0].Digest != sbom || fm.Manifests[0].ArtifactType != "application/vnd.example.sbom" {
		t.Fatalf("filtered referrers = %+v, want only %s", fm.Manifests, sbom)
	}

	// Deleting a referrer removes it from the list.
	if err := remote.Delete(reg.ref("app@" + sig.String())); err != nil {
		t.Fatal(err)
	}
	after, err := remote.Referrers(subjectRef)
	if err != nil {
		t.Fatal(err)
	}
	am, _ := after.IndexManifest()
	if len(am.Manifests) != 1 || am.Manifests[0].Digest != sbom {
		t.Fatalf("after delete: %+v", am.Manifests)
	}

	// A subject with no referrers gets an empty index, not an error.
	none := reg.do(http.MethodGet, "/v2/app/referrers/sha256:"+fmt.Sprintf("%064d", 0), nil, nil)
	if none.status != http.StatusOK || !bytes.Contains(none.body, []byte(`"manifests":[]`)) {
		t.Fatalf("empty referrers: %d %s", none.status, none.body)
	}
}

func TestPushingAnArtifactReportsItsSubject(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(reg.ref("app:v1"), img); err != nil {
		t.Fatal(err)
	}
	subject, _ := partial.Descriptor(img)
	cfg := []byte("{}")
	cfgDigest := "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
	if res := reg.do(http.MethodPost, "/v2/app/blobs/uploads/?digest="+cfgDigest, nil, cfg); res.status != http.StatusCreated {
		t.Fatalf("pushing empty config: %d %s", res.status, res.body)
	}
	body := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
		"artifactType":"application/vnd.example.note",
		"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},
		"layers":[],
		"subject":{"mediaType":"%s","digest":"%s","size":%d}}`, cfgDigest, subject.MediaType, subject.Digest, subject.Size)
	res := reg.do(http.MethodPut, "/v2/app/manifests/note", map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, []byte(body))
	if res.status != http.StatusCreated {
		t.Fatalf("PUT artifact: %d %s", res.status, res.body)
	}
	if got := res.header.Get("OCI-Subject"); got != subject.Digest.String() {
		t.Fatalf("OCI-Subject = %q, want %s", got, subject.Digest)
	}
}

func TestMountedUploadLinksWithoutCopying(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(128<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	src := reg.ref("source/app:v1")
	if err := remote.Write(src, img); err != nil {
		t.Fatal(err)
	}
	// An image read from the same registry is mountable: ggcr asks for a
	// cross-repository mount instead of uploading the layers again.
	pulled, err := remote.Image(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := reg.ref("target/app:v1")
	if err := remote.Write(dst, pulled); err != nil {
		t.Fatal(err)
	}
	verifyImage(t, dst, mustDigest(t, img))

	layers, _ := img.Layers()
	d, _ := layers[0].Digest()
	// An explicit mount answers 201 with the blob's location.
	res := reg.do(http.MethodPost, "/v2/third/blobs/uploads/?mount="+d.String()+"&from=source/app", nil, nil)
	if res.status != http.StatusCreated || res.header.Get("Location") != "/v2/third/blobs/"+d.String() {
		t.Fatalf("mount: %d %v", res.status, res.header)
	}
	// A mount from a repository without the blob falls back to an upload.
	res = reg.do(http.MethodPost, "/v2/fourth/blobs/uploads/?mount="+d.String()+"&from=nowhere", nil, nil)
	if res.status != http.StatusAccepted || res.header.Get("Docker-Upload-UUID") == "" {
		t.Fatalf("mount fallback: %d %v", res.status, res.header)
	}
}

func TestDeletes(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	d := mustDigest(t, img)
	for _, tag := range []string{"v1", "v2"} {
		if err := remote.Write(reg.ref("app:"+tag), img); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("deleting a tag keeps the manifest and other tags", func(t *testing.T) {
		if err := remote.Delete(reg.ref("app:v1")); err != nil {
			t.Fatal(err)
		}
		if _, err := remote.Head(reg.ref("app:v1")); err == nil {
			t.Fatal("v1 still resolves")
		}
		verifyImage(t, reg.ref("app:v2"), d)
	})
	t.Run("deleting a manifest by digest removes its tags", func(t *testing.T) {
		if err := remote.Delete(reg.ref("app@" + d.String())); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{"app:v2", "app@" + d.String()} {
			res := reg.do(http.MethodGet, "/v2/"+manifestPath(ref), nil, nil)
			if res.status != http.StatusNotFound || res.code() != "MANIFEST_UNKNOWN" {
				t.Fatalf("%s after delete: %d %s", ref, res.status, res.body)
			}
		}
		if tags, err := remote.List(reg.repo("app")); err != nil || len(tags) != 0 {
			t.Fatalf("tags after delete: %v %v", tags, err)
		}
	})
	t.Run("deleting a blob makes it unknown to the repository", func(t *testing.T) {
		layers, _ := img.Layers()
		ld, _ := layers[0].Digest()
		path := "/v2/app/blobs/" + ld.String()
		if res := reg.do(http.MethodDelete, path, nil, nil); res.status != http.StatusAccepted {
			t.Fatalf("DELETE blob: %d %s", res.status, res.body)
		}
		if res := reg.do(http.MethodGet, path, nil, nil); res.status != http.StatusNotFound || res.code() != "BLOB_UNKNOWN" {
			t.Fatalf("GET deleted blob: %d %s", res.status, res.body)
		}
		if res := reg.do(http.MethodDelete, path, nil, nil); res.status != http.StatusNotFound {
			t.Fatalf("second DELETE: %d", res.status)
		}
	})
}

// manifestPath turns "repo:tag" or "repo@digest" into "repo/manifests/ref".
func manifestPath(ref string) string {
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '@' || (ref[i] == ':' && !bytes.ContainsRune([]byte(ref[:i]), '@')) {
			if ref[i] == ':' && i > 6 && ref[i-6:i] == "sha256" {
				continue
			}
			return ref[:i] + "/manifests/" + ref[i+1:]
		}
	}
	return ref
}

func TestPagination(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(reg.ref("paged:t0000"), img); err != nil {
		t.Fatal(err)
	}
	const tags = 2345
	for i := 1; i < tags; i++ {
		if err := remote.Tag(reg.ref(fmt.Sprintf("paged:t%04d", i)).(name.Tag), img); err != nil {
			t.Fatal(err)
		}
	}
	got, err := remote.List(reg.repo("paged"), remote.WithPageSize(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != tags || got[0] != "t0000" || got[tags-1] != fmt.Sprintf("t%04d", tags-1) {
		t.Fatalf("listed %d tags from %s to %s", len(got), got[0], got[len(got)-1])
	}
	for i := 1; i < len(got); i++ {
		if got[i-1] >= got[i] {
			t.Fatalf("tags out of order at %d: %s, %s", i, got[i-1], got[i])
		}
	}

	res := reg.do(http.MethodGet, "/v2/paged/tags/list?n=2&last=t0100", nil, nil)
	if string(res.body) != `{"name":"paged","tags":["t0101","t0102"]}` {
		t.Fatalf("page after t0100: %s", res.body)
	}
	if link := res.header.Get("Link"); link != `</v2/paged/tags/list?last=t0102&n=2>; rel="next"` {
		t.Fatalf("Link = %q", link)
	}
	if res := reg.do(http.MethodGet, fmt.Sprintf("/v2/paged/tags/list?n=5&last=t%04d", tags-2), nil, nil); res.header.Get("Link") != "" {
		t.Fatalf("last page has a Link header: %q", res.header.Get("Link"))
	}

	for _, repo := range []string{"a/one", "b", "c/three/x"} {
		if err := remote.Write(reg.ref(repo+":v1"), img); err != nil {
			t.Fatal(err)
		}
	}
	registry, _ := name.NewRegistry(reg.host, name.Insecure)
	repos, err := remote.Catalog(t.Context(), registry, remote.WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(repos) != "[a/one b c/three/x paged]" {
		t.Fatalf("catalog = %v", repos)
	}
}

func TestBlobRangeRequests(t *testing.T) {
	reg := startRegistry(t)
	layer, err := random.Layer(10000, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteLayer(reg.repo("ranges"), layer); err != nil {
		t.Fatal(err)
	}
	d, _ := layer.Digest()
	rc, _ := layer.Compressed()
	all, _ := io.ReadAll(rc)
	res := reg.do(http.MethodGet, "/v2/ranges/blobs/"+d.String(), map[string]string{"Range": "bytes=10-19"}, nil)
	if res.status != http.StatusPartialContent || !bytes.Equal(res.body, all[10:20]) {
		t.Fatalf("range: %d, %d bytes", res.status, len(res.body))
	}
	if got := res.header.Get("Content-Range"); got != fmt.Sprintf("bytes 10-19/%d", len(all)) {
		t.Fatalf("Content-Range = %q", got)
	}
	res = reg.do(http.MethodGet, "/v2/ranges/blobs/"+d.String(), map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(all)+10)}, nil)
	if res.status != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("unsatisfiable range: %d", res.status)
	}
	head := reg.do(http.MethodHead, "/v2/ranges/blobs/"+d.String(), nil, nil)
	if head.status != http.StatusOK || head.header.Get("Content-Length") != fmt.Sprint(len(all)) || head.header.Get("Docker-Content-Digest") != d.String() {
		t.Fatalf("HEAD: %d %v", head.status, head.header)
	}
}
