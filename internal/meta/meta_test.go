package meta

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/manifest"
)

func openDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// image returns a manifest put referencing the given blobs.
func image(tag string, blobs ...v1.Descriptor) ManifestPut {
	body := []byte(fmt.Sprintf(`{"tag":%q,"n":%d}`, tag, len(blobs)))
	return ManifestPut{
		Digest:   digest.FromBytes(body),
		Body:     body,
		Tag:      tag,
		Manifest: &manifest.Manifest{MediaType: manifest.OCIManifest, Kind: manifest.KindImage, Blobs: blobs},
		Origin:   Origin{Actor: "tester", Time: now},
	}
}

func linkBlob(t testing.TB, db *DB, repo, content string) v1.Descriptor {
	t.Helper()
	d := digest.FromString(content)
	if err := db.LinkBlob(repo, d, int64(len(content)), "", now); err != nil {
		t.Fatal(err)
	}
	return v1.Descriptor{MediaType: "application/octet-stream", Digest: d, Size: int64(len(content))}
}

func TestSecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Open(path); err == nil {
		t.Fatal("a second Open of the same file succeeded")
	}
}

func TestGroupCommitIsolatesARefusedWrite(t *testing.T) {
	db := openDB(t)
	good := linkBlob(t, db, "app", "layer")
	const writers = 64
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%8 == 0 {
				// References a blob the repository lacks: refused.
				errs[i] = db.PutManifest("app", image(fmt.Sprintf("bad%d", i), v1.Descriptor{Digest: digest.FromString("missing"), Size: 7}))
				return
			}
			errs[i] = db.PutManifest("app", image(fmt.Sprintf("good%d", i), good))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%8 == 0 {
			var missing *MissingError
			if !errors.As(err, &missing) || !errors.Is(err, ErrManifestBlobUnknown) {
				t.Fatalf("writer %d: want a missing-blob error, got %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	page, err := db.Tags("app", "", -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != writers-writers/8 {
		t.Fatalf("%d tags stored, want %d: %v", len(page.Items), writers-writers/8, page.Items)
	}
}

func TestManifestSizeMustMatchTheBlob(t *testing.T) {
	db := openDB(t)
	d := linkBlob(t, db, "app", "12345")
	d.Size = 4
	err := db.PutManifest("app", image("v1", d))
	var se *SizeError
	if !errors.As(err, &se) || se.Stored != 5 || se.Stated != 4 {
		t.Fatalf("PutManifest = %v", err)
	}
}

func TestListing(t *testing.T) {
	db := openDB(t)
	b := linkBlob(t, db, "app", "layer")
	for _, tag := range []string{"c", "a", "b", "d"} {
		if err := db.PutManifest("app", image(tag, b)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		last string
		n    int
		want string
	}{
		{"everything in lexical order", "", -1, "[a b c d] false"},
		{"a first page", "", 2, "[a b] true"},
		{"a page after a key", "b", 2, "[c d] false"},
		{"a page after a key that is not there", "bb", 1, "[c] true"},
		{"after the last key", "d", 5, "[] false"},
		{"an empty page", "", 0, "[] true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := db.Tags("app", tt.last, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%v %v", nonNil(p.Items), p.More); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := db.Tags("nothing", "", -1); !errors.Is(err, ErrNameUnknown) {
		t.Fatalf("unknown repository: %v", err)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestReferrersStayWithTheirSubject(t *testing.T) {
	db := openDB(t)
	b := linkBlob(t, db, "app", "cfg")
	s1, s2 := digest.FromString("subject one"), digest.FromString("subject two")
	put := func(tag string, subject digest.Digest, artifactType string) digest.Digest {
		p := image(tag, b)
		p.Manifest.Subject = &v1.Descriptor{MediaType: manifest.OCIManifest, Digest: subject, Size: 1}
		p.Manifest.ArtifactType = artifactType
		if err := db.PutManifest("app", p); err != nil {
			t.Fatal(err)
		}
		return p.Digest
	}
	sig := put("sig", s1, "application/sig")
	put("sbom", s1, "application/sbom")
	put("other", s2, "application/sig")

	all, err := db.Referrers("app", s1, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("referrers of s1: %v %v", all, err)
	}
	sigs, err := db.Referrers("app", s1, "application/sig")
	if err != nil || len(sigs) != 1 || sigs[0].Digest != sig {
		t.Fatalf("sig referrers of s1: %v %v", sigs, err)
	}
	if err := db.DeleteManifest("app", sig, nil, Origin{Actor: "tester", Time: now}); err != nil {
		t.Fatal(err)
	}
	if after, _ := db.Referrers("app", s1, ""); len(after) != 1 {
		t.Fatalf("after delete: %v", after)
	}
}

func TestMountNeedsTheSourceLink(t *testing.T) {
	db := openDB(t)
	d := linkBlob(t, db, "src", "shared layer")
	if _, err := db.MountBlob("dst", "elsewhere", d.Digest, now); !errors.Is(err, ErrBlobUnknown) {
		t.Fatalf("mount from a repository without the blob: %v", err)
	}
	if size, err := db.MountBlob("dst", "src", d.Digest, now); err != nil || size != d.Size {
		t.Fatalf("mount = %d, %v", size, err)
	}
	if _, err := db.Blob("dst", d.Digest); err != nil {
		t.Fatalf("mounted blob not linked: %v", err)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUpload(Upload{ID: "x", Repo: "r", Started: now}); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestAnImageReferrerWithoutArtifactTypeHasItsConfigType(t *testing.T) {
	db := openDB(t)
	cfg := linkBlob(t, db, "app", "cfg")
	cfg.MediaType = manifest.OCIConfig
	subject := digest.FromString("subject")
	push := func(n int) digest.Digest {
		t.Helper()
		body := []byte(fmt.Sprintf(`{"schemaVersion":2,"n":%d,"config":{"mediaType":%q,"digest":%q,"size":%d}}`, n, cfg.MediaType, cfg.Digest, cfg.Size))
		p := ManifestPut{
			Digest: digest.FromBytes(body),
			Body:   body,
			Manifest: &manifest.Manifest{MediaType: manifest.OCIManifest, Kind: manifest.KindImage, Blobs: []v1.Descriptor{cfg},
				Subject: &v1.Descriptor{MediaType: manifest.OCIManifest, Digest: subject, Size: 1}},
			Origin: Origin{Time: now},
		}
		if err := db.PutManifest("app", p); err != nil {
			t.Fatal(err)
		}
		return p.Digest
	}
	pushed := push(1)
	// A referrer stored by an earlier version, without the artifactType.
	stored := push(2)
	err := db.update(func(tx *bolt.Tx) error {
		r, _ := openRepo(tx, "app")
		return put(r.referrers, referrerKey(subject, stored), v1.Descriptor{MediaType: manifest.OCIManifest, Digest: stored, Size: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, filter := range []string{"", manifest.OCIConfig} {
		got, err := db.Referrers("app", subject, filter)
		if err != nil || len(got) != 2 {
			t.Fatalf("referrers with filter %q: %+v, %v", filter, got, err)
		}
		for _, d := range got {
			if d.ArtifactType != manifest.OCIConfig {
				t.Fatalf("referrer %s has artifactType %q (pushed %s, stored %s)", d.Digest, d.ArtifactType, pushed, stored)
			}
		}
	}
	if got, _ := db.Referrers("app", subject, "application/other"); len(got) != 0 {
		t.Fatalf("filtered by another type: %+v", got)
	}
	if got, err := db.Referrers("nothing", subject, ""); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("referrers in a repository that does not exist: %#v, %v", got, err)
	}
}
