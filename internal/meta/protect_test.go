package meta

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/manifest"
)

// index returns a put of an index listing children.
func index(tag string, children ...ManifestPut) ManifestPut {
	p := image("index " + tag)
	p.Tag = tag
	p.Manifest = &manifest.Manifest{MediaType: manifest.OCIIndex, Kind: manifest.KindIndex}
	for _, c := range children {
		p.Manifest.Manifests = append(p.Manifest.Manifests, v1.Descriptor{MediaType: manifest.OCIManifest, Digest: c.Digest, Size: int64(len(c.Body))})
	}
	return p
}

func mustPut(t testing.TB, db *DB, repo string, p ManifestPut) ManifestPut {
	t.Helper()
	p.Guard = releases
	if err := db.PutManifest(repo, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// untagged returns p pushed by digest only.
func untagged(p ManifestPut) ManifestPut {
	p.Tag = ""
	return p
}

func TestWhatAManifestReferencesCannotBeDeletedFromUnderIt(t *testing.T) {
	db := openDB(t)
	o := Origin{Time: now}
	cfg, layer := linkBlob(t, db, "app", "config"), linkBlob(t, db, "app", "layer")
	release := mustPut(t, db, "app", image("v1.0.0", cfg, layer))

	childCfg, childLayer := linkBlob(t, db, "app", "child config"), linkBlob(t, db, "app", "child layer")
	child := mustPut(t, db, "app", untagged(image("arm64", childCfg, childLayer)))
	nested := mustPut(t, db, "app", untagged(index("nested", child)))
	mustPut(t, db, "app", index("v2.0.0", nested))

	sig := image("sig", cfg)
	sig.Manifest.Subject = &v1.Descriptor{MediaType: manifest.OCIManifest, Digest: release.Digest, Size: int64(len(release.Body))}
	sig = mustPut(t, db, "app", untagged(sig))

	mutableLayer := linkBlob(t, db, "app", "mutable layer")
	latest := mustPut(t, db, "app", image("latest", mutableLayer))
	mutableChild := mustPut(t, db, "app", untagged(image("amd64", mutableLayer)))
	mutableIndex := mustPut(t, db, "app", index("multi", mutableChild))
	unused := linkBlob(t, db, "app", "never referenced")

	protected := []struct {
		name string
		del  func() error
		d    digest.Digest
		tag  string
	}{
		{"a layer of an immutable release", func() error { return db.UnlinkBlob("app", layer.Digest, releases, o) }, layer.Digest, "v1.0.0"},
		{"the config of an immutable release", func() error { return db.UnlinkBlob("app", cfg.Digest, releases, o) }, cfg.Digest, "v1.0.0"},
		{"a child of an immutable index, two levels down", func() error { return db.DeleteManifest("app", child.Digest, releases, o) }, child.Digest, "v2.0.0"},
		{"an index inside an immutable index", func() error { return db.DeleteManifest("app", nested.Digest, releases, o) }, nested.Digest, "v2.0.0"},
		{"a layer of a child of an immutable index", func() error { return db.UnlinkBlob("app", childLayer.Digest, releases, o) }, childLayer.Digest, "v2.0.0"},
	}
	for _, tt := range protected {
		t.Run(tt.name+" cannot be deleted, naming the tag and rule", func(t *testing.T) {
			err := tt.del()
			var pe *ProtectedError
			if !errors.As(err, &pe) || !errors.Is(err, ErrImmutable) || pe.Tag != tt.tag || pe.Digest != tt.d {
				t.Fatalf("delete = %v, want the protection of %s", err, tt.tag)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.tag) || !strings.Contains(msg, `tags "v*"`) {
				t.Fatalf("the refusal does not name the tag and rule: %v", err)
			}
		})
	}
	inUse := []struct {
		name string
		del  func() error
		by   digest.Digest
	}{
		{"a layer of a mutable image", func() error { return db.UnlinkBlob("app", mutableLayer.Digest, releases, o) }, latest.Digest},
		{"a child of a mutable index", func() error { return db.DeleteManifest("app", mutableChild.Digest, releases, o) }, mutableIndex.Digest},
	}
	for _, tt := range inUse {
		t.Run(tt.name+" cannot be deleted while it is used", func(t *testing.T) {
			err := tt.del()
			var ie *InUseError
			if !errors.As(err, &ie) || errors.Is(err, ErrImmutable) {
				t.Fatalf("delete = %v, want an InUseError", err)
			}
			if !strings.Contains(err.Error(), "delete that manifest first") {
				t.Fatalf("the refusal does not say what to do: %v", err)
			}
		})
	}
	t.Run("a signature of an immutable release can be deleted", func(t *testing.T) {
		if err := db.DeleteManifest("app", sig.Digest, releases, o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a blob no manifest references can be deleted", func(t *testing.T) {
		if err := db.UnlinkBlob("app", unused.Digest, releases, o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("once its users are gone, content can be deleted", func(t *testing.T) {
		steps := []func() error{
			func() error { return db.DeleteManifest("app", mutableIndex.Digest, releases, o) },
			func() error { return db.DeleteManifest("app", mutableChild.Digest, releases, o) },
			func() error { return db.DeleteManifest("app", latest.Digest, releases, o) },
			func() error { return db.UnlinkBlob("app", mutableLayer.Digest, releases, o) },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
	})
	t.Run("the releases are whole", func(t *testing.T) {
		for _, d := range []digest.Digest{cfg.Digest, layer.Digest, childCfg.Digest, childLayer.Digest} {
			if _, err := db.Blob("app", d); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []digest.Digest{release.Digest, child.Digest, nested.Digest} {
			if _, err := db.Manifest("app", d.String()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestADeleteRacingAnImmutableTagPushNeverBreaksTheRelease(t *testing.T) {
	db := openDB(t)
	o := Origin{Time: now}
	for i := range 100 {
		layer := linkBlob(t, db, "app", fmt.Sprintf("layer %d", i))
		p := image(fmt.Sprintf("v1.0.%d", i), layer)
		p.Guard = releases
		var pushErr, deleteErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		push := func() { <-start; pushErr = db.PutManifest("app", p) }
		del := func() { <-start; deleteErr = db.UnlinkBlob("app", layer.Digest, releases, o) }
		first, second := push, del
		if i%2 == 0 {
			first, second = del, push // start them in either order
		}
		wg.Go(first)
		wg.Go(second)
		close(start)
		wg.Wait()
		switch {
		case pushErr == nil && deleteErr == nil:
			t.Fatalf("round %d: both the push and the delete succeeded", i)
		case pushErr == nil && !errors.Is(deleteErr, ErrImmutable):
			t.Fatalf("round %d: the delete after the push failed with %v", i, deleteErr)
		case deleteErr == nil && !errors.Is(pushErr, ErrManifestBlobUnknown):
			t.Fatalf("round %d: the push after the delete failed with %v", i, pushErr)
		}
		if m, err := db.Manifest("app", p.Tag); err == nil {
			if _, err := db.Blob("app", layer.Digest); err != nil || m.Digest != p.Digest {
				t.Fatalf("round %d: the release lost its layer: %v", i, err)
			}
		}
	}
}

func TestGarbageCollectionKeepsWhatALinkedManifestReferences(t *testing.T) {
	db := openDB(t)
	old := now.Add(-2 * time.Hour)
	cutoff := now.Add(-time.Hour)
	layer := linkBlobAt(t, db, "app", "layer", old)
	childLayer := linkBlobAt(t, db, "app", "child layer", old)
	putAt(t, db, "app", "v1", old, layer)
	child := putAt(t, db, "app", "child", old, childLayer)
	idx := index("multi", child)
	idx.Tag, idx.Origin = "multi", Origin{Time: old}
	if err := db.PutManifest("app", idx); err != nil {
		t.Fatal(err)
	}
	// What an earlier version let a DELETE leave behind: the repository's
	// own links to a layer and to an index's child gone, while the image
	// and the index that need them are still there.
	err := db.update(func(tx *bolt.Tx) error {
		r, _ := openRepo(tx, "app")
		if err := deleteBlobLink(tx, r, "app", layer.Digest); err != nil {
			return err
		}
		if err := r.tags.Delete([]byte("child")); err != nil {
			return err
		}
		var rec manifestRecord
		if _, err := get(tx.Bucket(bucketManifests), child.Digest.String(), &rec); err != nil {
			return err
		}
		return deleteManifestLink(tx, r, "app", child.Digest, rec)
	})
	if err != nil {
		t.Fatal(err)
	}

	g, err := db.FindGarbage(cutoff, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Blobs) != 0 || len(g.Manifests) != 0 {
		t.Fatalf("garbage = %+v; the layer v1 needs is %s, the child the index needs %s and its layer %s",
			g, layer.Digest, child.Digest, childLayer.Digest)
	}
	// The child's layer link goes, as nothing linked in the repository
	// references it, but its bytes stay for the child to be linked again.
	if fmt.Sprint(g.Links) != fmt.Sprint([]RepoBlob{{"app", childLayer.Digest}}) {
		t.Fatalf("links = %v", g.Links)
	}
}
