package meta

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-dev/berth/internal/manifest"
)

func linkBlobAt(t testing.TB, db *DB, repo, content string, at time.Time) v1.Descriptor {
	t.Helper()
	d := digest.FromString(content)
	if err := db.LinkBlob(repo, d, int64(len(content)), "", at); err != nil {
		t.Fatal(err)
	}
	return v1.Descriptor{MediaType: "application/octet-stream", Digest: d, Size: int64(len(content))}
}

func putAt(t testing.TB, db *DB, repo, tag string, at time.Time, blobs ...v1.Descriptor) ManifestPut {
	t.Helper()
	p := image(tag+at.String(), blobs...)
	p.Tag, p.Origin = tag, Origin{Actor: "t", Time: at}
	if err := db.PutManifest(repo, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindAndSweepGarbage(t *testing.T) {
	db := openDB(t)
	old, fresh := now.Add(-2*time.Hour), now.Add(-time.Minute)
	cutoff := now.Add(-time.Hour)
	a := linkBlobAt(t, db, "app", "referenced", old)
	b := linkBlobAt(t, db, "app", "unreferenced", old)
	c := linkBlobAt(t, db, "app", "just uploaded", fresh)
	d := linkBlobAt(t, db, "other", "unlinked later", old)
	putAt(t, db, "app", "v1", old, a)
	gone := putAt(t, db, "app", "gone", old, a)
	if err := db.DeleteManifest("app", gone.Digest, nil, Origin{Time: old}); err != nil {
		t.Fatal(err)
	}
	if err := db.UnlinkBlob("other", d.Digest, nil, Origin{Time: old}); err != nil {
		t.Fatal(err)
	}

	g, err := db.FindGarbage(cutoff, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(g.Links) != fmt.Sprint([]RepoBlob{{"app", b.Digest}}) {
		t.Fatalf("links = %v", g.Links)
	}
	if fmt.Sprint(g.Manifests) != fmt.Sprint([]digest.Digest{gone.Digest}) {
		t.Fatalf("manifests = %v", g.Manifests)
	}
	var blobs []digest.Digest
	for _, x := range g.Blobs {
		blobs = append(blobs, x.Digest)
	}
	slices.Sort(blobs)
	want := []digest.Digest{b.Digest, d.Digest}
	slices.Sort(want)
	if fmt.Sprint(blobs) != fmt.Sprint(want) {
		t.Fatalf("blobs = %v, want %v", blobs, want)
	}
	_ = c

	t.Run("what is in use is kept", func(t *testing.T) {
		inUse := func(x digest.Digest) bool { return x == b.Digest }
		g, _ := db.FindGarbage(cutoff, inUse)
		if len(g.Links) != 0 {
			t.Fatalf("links = %v", g.Links)
		}
	})
	t.Run("a manifest pushed after the finding saves its blob", func(t *testing.T) {
		putAt(t, db, "app", "late", now, b)
		if n, err := db.SweepLinks(g.Links, cutoff, nil); err != nil || n != 0 {
			t.Fatalf("SweepLinks = %d, %v", n, err)
		}
		records, err := db.SweepBlobRecords(g.Blobs, cutoff)
		if err != nil || len(records) != 1 || records[0].Digest != d.Digest {
			t.Fatalf("SweepBlobRecords = %v, %v", records, err)
		}
	})
	t.Run("an unlinked manifest goes with its body", func(t *testing.T) {
		if n, err := db.SweepManifests(g.Manifests, cutoff); err != nil || n != 1 {
			t.Fatalf("SweepManifests = %d, %v", n, err)
		}
		if n, _ := db.SweepManifests(g.Manifests, cutoff); n != 0 {
			t.Fatal("swept twice")
		}
	})
	if ok, _ := db.BlobRecorded(d.Digest); ok {
		t.Fatal("swept blob still recorded")
	}
	if ok, _ := db.BlobRecorded(a.Digest); !ok {
		t.Fatal("referenced blob lost its record")
	}
}

func TestRetention(t *testing.T) {
	db := openDB(t)
	base := now.Add(-30 * 24 * time.Hour)
	day := func(n int) time.Time { return base.Add(time.Duration(n) * 24 * time.Hour) }
	cfg := linkBlobAt(t, db, "app", "config", base)
	var builds []ManifestPut
	for i := range 5 {
		builds = append(builds, putAt(t, db, "app", fmt.Sprintf("build-%d", i), day(i), cfg))
	}
	putAt(t, db, "app", "v1.0.0", day(0), cfg)
	untagged := putAt(t, db, "app", "tmp", day(1), cfg)
	if err := db.DeleteTag("app", "tmp", nil, Origin{Time: day(1)}); err != nil {
		t.Fatal(err)
	}
	// An untagged manifest an index lists, and a signature of a live image.
	child := putAt(t, db, "app", "child", day(1), cfg)
	if err := db.DeleteTag("app", "child", nil, Origin{Time: day(1)}); err != nil {
		t.Fatal(err)
	}
	idx := image("index")
	idx.Manifest = &manifest.Manifest{MediaType: manifest.OCIIndex, Kind: manifest.KindIndex,
		Manifests: []v1.Descriptor{{MediaType: manifest.OCIManifest, Digest: child.Digest, Size: int64(len(child.Body))}}}
	idx.Tag, idx.Origin = "multi", Origin{Time: day(1)}
	if err := db.PutManifest("app", idx); err != nil {
		t.Fatal(err)
	}
	sig := image("sig", cfg)
	sig.Manifest.Subject = &v1.Descriptor{MediaType: manifest.OCIManifest, Digest: builds[4].Digest, Size: 1}
	sig.Tag, sig.Origin = "", Origin{Time: day(1)}
	if err := db.PutManifest("app", sig); err != nil {
		t.Fatal(err)
	}

	rules := []RetentionRule{
		{Repos: "**", Tags: "build-*", Keep: 2},
		{Repos: "app", UntaggedOlderThan: 7 * 24 * time.Hour},
	}
	found, err := db.FindExpired(rules, now, releases)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range found {
		if e.Tag != "" {
			got = append(got, "tag "+e.Tag)
		} else {
			got = append(got, "manifest "+shortName(e.Digest, map[digest.Digest]string{
				untagged.Digest: "tmp", builds[0].Digest: "build-0", builds[1].Digest: "build-1", builds[2].Digest: "build-2",
			}))
		}
	}
	slices.Sort(got)
	want := []string{"manifest build-0", "manifest build-1", "manifest build-2", "manifest tmp", "tag build-0", "tag build-1", "tag build-2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("expired = %v\nwant      %v", got, want)
	}

	t.Run("a tag set again after the finding is not removed", func(t *testing.T) {
		again := builds[2]
		again.Origin.Time = now
		if err := db.PutManifest("app", again); err != nil {
			t.Fatal(err)
		}
		done, err := db.Expire(found, releases, Origin{Actor: "retention", Time: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != len(found)-2 { // build-2's tag and manifest stay
			t.Fatalf("expired %d of %d: %v", len(done), len(found), done)
		}
		tags, _ := db.Tags("app", "", -1)
		if fmt.Sprint(tags.Items) != "[build-2 build-3 build-4 multi v1.0.0]" {
			t.Fatalf("tags left = %v", tags.Items)
		}
		if _, err := db.Manifest("app", child.Digest.String()); err != nil {
			t.Fatal("the index's child was removed")
		}
		if _, err := db.Manifest("app", sig.Digest.String()); err != nil {
			t.Fatal("the live image's signature was removed")
		}
	})
}

func shortName(d digest.Digest, names map[digest.Digest]string) string {
	if n, ok := names[d]; ok {
		return n
	}
	return d.String()
}
