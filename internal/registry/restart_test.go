package registry_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"
)

func TestRestartKeepsContentAndUploadSessions(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(64<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(reg.ref("kept:v1"), img); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(t, 10000)
	loc := startSession(t, reg, "kept")
	if res := reg.do(http.MethodPatch, loc, nil, data[:6000]); res.status != http.StatusAccepted {
		t.Fatalf("PATCH: %d", res.status)
	}

	reg.restart()

	verifyImage(t, reg.ref("kept:v1"), mustDigest(t, img))
	res := reg.do(http.MethodGet, loc, nil, nil)
	if res.status != http.StatusNoContent || res.header.Get("Range") != "0-5999" {
		t.Fatalf("session after restart: %d %v", res.status, res.header)
	}
	// The hash of the first part is rebuilt from disk: the digest check
	// still covers every byte.
	if res := reg.do(http.MethodPatch, loc, map[string]string{"Content-Range": "6000-9999"}, data[6000:]); res.status != http.StatusAccepted {
		t.Fatalf("resumed PATCH: %d %s", res.status, res.body)
	}
	d := digest.FromBytes(data)
	if res := reg.do(http.MethodPut, loc+"?digest="+d.String(), nil, nil); res.status != http.StatusCreated {
		t.Fatalf("PUT after restart: %d %s", res.status, res.body)
	}
}

func TestSweepUploads(t *testing.T) {
	reg := startRegistry(t)
	uploads := filepath.Join(reg.dir, "uploads")
	loc := startSession(t, reg, "idle")
	reg.do(http.MethodPatch, loc, nil, []byte("partial"))

	old := time.Now().Add(-2 * time.Hour)
	stray := filepath.Join(uploads, "0123456789abcdef0123456789abcdef")
	junk := filepath.Join(uploads, "junk.tmp")
	fresh := filepath.Join(uploads, "fedcba9876543210fedcba9876543210")
	for _, p := range []string{stray, junk, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{stray, junk} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("an active session stays and old stray files go", func(t *testing.T) {
		n, err := reg.reg.SweepUploads(time.Hour)
		if err != nil || n != 2 {
			t.Fatalf("SweepUploads = %d, %v; want 2 removed", n, err)
		}
		if res := reg.do(http.MethodGet, loc, nil, nil); res.status != http.StatusNoContent {
			t.Fatalf("active session: %d", res.status)
		}
		for p, want := range map[string]bool{stray: false, junk: false, fresh: true} {
			if _, err := os.Stat(p); (err == nil) != want {
				t.Fatalf("%s exists=%v, want %v", filepath.Base(p), err == nil, want)
			}
		}
	})
	t.Run("an idle session expires with its data", func(t *testing.T) {
		if _, err := reg.reg.SweepUploads(time.Nanosecond); err != nil {
			t.Fatal(err)
		}
		if res := reg.do(http.MethodGet, loc, nil, nil); res.status != http.StatusNotFound || res.code() != "BLOB_UPLOAD_UNKNOWN" {
			t.Fatalf("expired session: %d %s", res.status, res.body)
		}
		if _, err := os.Stat(filepath.Join(uploads, filepath.Base(loc))); !os.IsNotExist(err) {
			t.Fatalf("expired upload file still there: %v", err)
		}
	})
}
