package registry_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// storeFingerprint summarises everything a request could change: the
// catalog, the tags of the known repository and the files on disk (blobs
// and uploads).
func storeFingerprint(t testing.TB, reg *testRegistry) string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(reg.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "meta.db" {
			files = append(files, strings.TrimPrefix(p, reg.dir))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	catalog := reg.do(http.MethodGet, "/v2/_catalog", nil, nil)
	tags := reg.do(http.MethodGet, "/v2/good/tags/list", nil, nil)
	return fmt.Sprintf("%s|%s|%v", catalog.body, tags.body, files)
}

func TestHostileInputIsRefusedAndChangesNothing(t *testing.T) {
	reg := startRegistry(t)
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	layer := []byte("layer bytes")
	for _, b := range [][]byte{config, layer} {
		if res := reg.do(http.MethodPost, "/v2/good/blobs/uploads/?digest="+digest.FromBytes(b).String(), nil, b); res.status != http.StatusCreated {
			t.Fatalf("setup: %d %s", res.status, res.body)
		}
	}
	desc := func(mt string, b []byte) string {
		return fmt.Sprintf(`{"mediaType":%q,"digest":%q,"size":%d}`, mt, digest.FromBytes(b), len(b))
	}
	image := func(cfg, lyr string) string {
		return `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":` + cfg + `,"layers":[` + lyr + `]}`
	}
	goodManifest := image(desc("application/vnd.oci.image.config.v1+json", config), desc("application/vnd.oci.image.layer.v1.tar", layer))
	ociType := map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
	if res := reg.do(http.MethodPut, "/v2/good/manifests/v1", ociType, []byte(goodManifest)); res.status != http.StatusCreated {
		t.Fatalf("setup manifest: %d %s", res.status, res.body)
	}
	before := storeFingerprint(t, reg)

	wrong := []byte("not what the digest says")
	missing := desc("application/vnd.oci.image.layer.v1.tar", []byte("never pushed"))
	tests := []struct {
		name   string
		method string
		path   string
		header map[string]string
		body   []byte
		status int
		code   string
	}{
		{"a parent directory in the name", http.MethodGet, "/v2/../etc/passwd/manifests/latest", nil, nil, 400, "NAME_INVALID"},
		{"a dot-dot component inside the name", http.MethodPut, "/v2/good/../evil/manifests/v1", ociType, []byte(goodManifest), 400, "NAME_INVALID"},
		{"a percent-encoded dot-dot", http.MethodGet, "/v2/%2e%2e/x/manifests/latest", nil, nil, 400, "NAME_INVALID"},
		{"a percent-encoded slash", http.MethodPost, "/v2/a%2fb/blobs/uploads/", nil, nil, 400, "NAME_INVALID"},
		{"an absolute path as the name", http.MethodGet, "/v2//etc/passwd/tags/list", nil, nil, 400, "NAME_INVALID"},
		{"an uppercase name", http.MethodPost, "/v2/Good/blobs/uploads/", nil, nil, 400, "NAME_INVALID"},
		{"a name over 255 characters", http.MethodGet, "/v2/" + strings.Repeat("a", 256) + "/tags/list", nil, nil, 400, "NAME_INVALID"},
		{"a push to a tag with a slash-free but invalid character", http.MethodPut, "/v2/good/manifests/-bad", ociType, []byte(goodManifest), 400, "TAG_INVALID"},
		{"a pull of a tag with a slash-free but invalid character", http.MethodGet, "/v2/good/manifests/-bad", nil, nil, 404, "MANIFEST_UNKNOWN"},
		{"a malformed digest in a blob path", http.MethodGet, "/v2/good/blobs/sha256:xyz", nil, nil, 400, "DIGEST_INVALID"},
		{"an unknown digest algorithm", http.MethodPost, "/v2/good/blobs/uploads/?digest=md5:" + strings.Repeat("a", 32), nil, wrong, 400, "DIGEST_INVALID"},
		{"a blob whose bytes do not match its digest", http.MethodPost, "/v2/good/blobs/uploads/?digest=" + digest.FromBytes([]byte("other")).String(), nil, wrong, 400, "DIGEST_INVALID"},
		{"a manifest that is not JSON", http.MethodPut, "/v2/good/manifests/v2", ociType, []byte("<html>"), 400, "MANIFEST_INVALID"},
		{"a manifest over 4 MiB", http.MethodPut, "/v2/good/manifests/v2", ociType, []byte(`{"x":"` + strings.Repeat("a", 4<<20) + `"}`), 413, "MANIFEST_INVALID"},
		{"a manifest whose mediaType disagrees with Content-Type", http.MethodPut, "/v2/good/manifests/v2",
			map[string]string{"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"}, []byte(goodManifest), 400, "MANIFEST_INVALID"},
		{"a manifest that references a missing blob", http.MethodPut, "/v2/good/manifests/v2", ociType,
			[]byte(image(desc("application/vnd.oci.image.config.v1+json", config), missing)), 400, "MANIFEST_BLOB_UNKNOWN"},
		{"a manifest that misstates a blob's size", http.MethodPut, "/v2/good/manifests/v2", ociType,
			[]byte(strings.Replace(goodManifest, fmt.Sprintf(`"size":%d}]`, len(layer)), `"size":1}]`, 1)), 400, "MANIFEST_INVALID"},
		{"an index whose child is missing", http.MethodPut, "/v2/good/manifests/v2", map[string]string{"Content-Type": "application/vnd.oci.image.index.v1+json"},
			[]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` + desc("application/vnd.oci.image.manifest.v1+json", []byte("x")) + `]}`),
			400, "MANIFEST_BLOB_UNKNOWN"},
		{"a manifest PUT by a digest it does not have", http.MethodPut, "/v2/good/manifests/" + digest.FromBytes(wrong).String(), ociType, []byte(goodManifest), 400, "DIGEST_INVALID"},
		{"a schema 1 manifest", http.MethodPut, "/v2/good/manifests/v2",
			map[string]string{"Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"}, []byte(`{"schemaVersion":1,"fsLayers":[]}`), 415, "UNSUPPORTED"},
		{"a huge n", http.MethodGet, "/v2/good/tags/list?n=99999999999999999999", nil, nil, 400, "PAGINATION_NUMBER_INVALID"},
		{"an n over the page limit", http.MethodGet, "/v2/_catalog?n=10001", nil, nil, 400, "PAGINATION_NUMBER_INVALID"},
		{"a negative n", http.MethodGet, "/v2/good/tags/list?n=-1", nil, nil, 400, "PAGINATION_NUMBER_INVALID"},
		{"a PUT to an upload session that does not exist", http.MethodPut, "/v2/good/blobs/uploads/" + strings.Repeat("0", 32) + "?digest=" + digest.FromBytes(wrong).String(), nil, wrong, 404, "BLOB_UPLOAD_UNKNOWN"},
		{"an upload id that tries to escape", http.MethodPatch, "/v2/good/blobs/uploads/..%2f..%2fmeta.db", nil, wrong, 400, "NAME_INVALID"},
		{"a method the endpoint does not have", http.MethodPost, "/v2/good/manifests/v1", nil, nil, 405, "UNSUPPORTED"},
		{"a path that is no endpoint", http.MethodGet, "/v2/good", nil, nil, 404, "UNSUPPORTED"},
		{"a manifest in a repository that does not exist", http.MethodGet, "/v2/nothing/manifests/v1", nil, nil, 404, "NAME_UNKNOWN"},
		{"a tag that does not exist", http.MethodGet, "/v2/good/manifests/v9", nil, nil, 404, "MANIFEST_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reg.do(tt.method, tt.path, tt.header, tt.body)
			if res.status != tt.status || res.code() != tt.code {
				t.Fatalf("got %d %s, want %d %s: %s", res.status, res.code(), tt.status, tt.code, truncate(res.body))
			}
			if !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
				t.Fatalf("error Content-Type %q", res.header.Get("Content-Type"))
			}
			if after := storeFingerprint(t, reg); after != before {
				t.Fatalf("store changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
