package registry_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"

	"github.com/opencontainers/go-digest"
)

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// startSession opens an upload session and returns its Location.
func startSession(t testing.TB, reg *testRegistry, repo string) string {
	t.Helper()
	res := reg.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, nil)
	if res.status != http.StatusAccepted || res.header.Get("Range") != "0-0" {
		t.Fatalf("POST: %d %v %s", res.status, res.header, res.body)
	}
	return res.header.Get("Location")
}

func TestChunkedUpload(t *testing.T) {
	reg := startRegistry(t)
	data := randomBytes(t, 3000)
	d := digest.FromBytes(data)
	loc := startSession(t, reg, "chunks")

	chunk := func(from, to int) response {
		return reg.do(http.MethodPatch, loc, map[string]string{
			"Content-Range": fmt.Sprintf("%d-%d", from, to-1),
			"Content-Type":  "application/octet-stream",
		}, data[from:to])
	}
	if res := chunk(0, 1000); res.status != http.StatusAccepted || res.header.Get("Range") != "0-999" {
		t.Fatalf("first chunk: %d %v", res.status, res.header)
	}
	t.Run("a chunk that leaves a gap is refused with the real range", func(t *testing.T) {
		res := chunk(1500, 2000)
		if res.status != http.StatusRequestedRangeNotSatisfiable || res.header.Get("Range") != "0-999" {
			t.Fatalf("gap: %d %v %s", res.status, res.header, res.body)
		}
	})
	t.Run("a chunk that overlaps is refused", func(t *testing.T) {
		if res := chunk(500, 1500); res.status != http.StatusRequestedRangeNotSatisfiable {
			t.Fatalf("overlap: %d", res.status)
		}
	})
	t.Run("a Content-Range that disagrees with Content-Length is refused", func(t *testing.T) {
		res := reg.do(http.MethodPatch, loc, map[string]string{"Content-Range": "1000-1999"}, data[1000:1500])
		if res.status != http.StatusBadRequest || res.code() != "SIZE_INVALID" {
			t.Fatalf("mismatch: %d %s", res.status, res.body)
		}
	})
	t.Run("GET reports the offset", func(t *testing.T) {
		res := reg.do(http.MethodGet, loc, nil, nil)
		if res.status != http.StatusNoContent || res.header.Get("Range") != "0-999" || res.header.Get("Docker-Upload-UUID") == "" {
			t.Fatalf("status: %d %v", res.status, res.header)
		}
	})
	if res := chunk(1000, 2000); res.status != http.StatusAccepted || res.header.Get("Range") != "0-1999" {
		t.Fatalf("second chunk: %d %v", res.status, res.header)
	}
	// The last chunk comes with the closing PUT.
	res := reg.do(http.MethodPut, loc+"?digest="+d.String(), map[string]string{"Content-Range": "2000-2999"}, data[2000:])
	if res.status != http.StatusCreated || res.header.Get("Docker-Content-Digest") != d.String() {
		t.Fatalf("PUT: %d %v %s", res.status, res.header, res.body)
	}
	got := reg.do(http.MethodGet, "/v2/chunks/blobs/"+d.String(), nil, nil)
	if !bytes.Equal(got.body, data) {
		t.Fatal("blob differs from the chunks sent")
	}
	if res := reg.do(http.MethodGet, loc, nil, nil); res.status != http.StatusNotFound || res.code() != "BLOB_UPLOAD_UNKNOWN" {
		t.Fatalf("session after commit: %d %s", res.status, res.body)
	}
}

func TestMonolithicUploads(t *testing.T) {
	reg := startRegistry(t)
	t.Run("POST then PUT with the body", func(t *testing.T) {
		data := randomBytes(t, 5000)
		loc := startSession(t, reg, "mono")
		res := reg.do(http.MethodPut, loc+"?digest="+digest.FromBytes(data).String(), nil, data)
		if res.status != http.StatusCreated {
			t.Fatalf("PUT: %d %s", res.status, res.body)
		}
	})
	t.Run("a single POST with the digest", func(t *testing.T) {
		data := randomBytes(t, 5000)
		d := digest.FromBytes(data)
		res := reg.do(http.MethodPost, "/v2/mono/blobs/uploads/?digest="+d.String(), nil, data)
		if res.status != http.StatusCreated || res.header.Get("Location") != "/v2/mono/blobs/"+d.String() {
			t.Fatalf("POST: %d %v", res.status, res.header)
		}
	})
	t.Run("a sha512 blob", func(t *testing.T) {
		data := randomBytes(t, 5000)
		sum := sha512.Sum512(data)
		d := "sha512:" + hex.EncodeToString(sum[:])
		if res := reg.do(http.MethodPost, "/v2/mono/blobs/uploads/?digest="+d, nil, data); res.status != http.StatusCreated {
			t.Fatalf("POST sha512: %d %s", res.status, res.body)
		}
		if res := reg.do(http.MethodGet, "/v2/mono/blobs/"+d, nil, nil); !bytes.Equal(res.body, data) {
			t.Fatalf("GET sha512: %d", res.status)
		}
	})
	t.Run("an empty blob", func(t *testing.T) {
		d := digest.FromBytes(nil)
		if res := reg.do(http.MethodPost, "/v2/mono/blobs/uploads/?digest="+d.String(), nil, nil); res.status != http.StatusCreated {
			t.Fatalf("POST empty: %d %s", res.status, res.body)
		}
		if res := reg.do(http.MethodHead, "/v2/mono/blobs/"+d.String(), nil, nil); res.status != http.StatusOK || res.header.Get("Content-Length") != "0" {
			t.Fatalf("HEAD empty: %d %v", res.status, res.header)
		}
	})
}

func TestCancelledUploadIsGone(t *testing.T) {
	reg := startRegistry(t)
	loc := startSession(t, reg, "cancel")
	reg.do(http.MethodPatch, loc, nil, randomBytes(t, 100))
	if res := reg.do(http.MethodDelete, loc, nil, nil); res.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", res.status, res.body)
	}
	if res := reg.do(http.MethodPatch, loc, nil, []byte("x")); res.status != http.StatusNotFound || res.code() != "BLOB_UPLOAD_UNKNOWN" {
		t.Fatalf("PATCH after DELETE: %d %s", res.status, res.body)
	}
}

func TestUploadSessionBelongsToItsRepository(t *testing.T) {
	reg := startRegistry(t)
	loc := startSession(t, reg, "owner")
	other := "/v2/intruder/blobs/uploads/" + loc[len("/v2/owner/blobs/uploads/"):]
	for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
		if res := reg.do(m, other, nil, []byte("x")); res.status != http.StatusNotFound || res.code() != "BLOB_UPLOAD_UNKNOWN" {
			t.Fatalf("%s from another repository: %d %s", m, res.status, res.body)
		}
	}
	if res := reg.do(http.MethodGet, loc, nil, nil); res.status != http.StatusNoContent || res.header.Get("Range") != "0-0" {
		t.Fatalf("session was touched: %d %v", res.status, res.header)
	}
}
