package meta

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	bolt "go.etcd.io/bbolt"
)

// releases protects every tag that starts with v.
func releases(repo, tag string) string {
	if strings.HasPrefix(tag, "v") {
		return `repos "**" tags "v*"`
	}
	return ""
}

func TestImmutableTags(t *testing.T) {
	db := openDB(t)
	b := linkBlob(t, db, "app", "layer")
	first, second := image("v1.0.0", b), image("other", b)
	second.Tag = "v1.0.0"
	first.Guard, second.Guard = releases, releases
	o := Origin{Actor: "ci", Time: now}
	if err := db.PutManifest("app", first); err != nil {
		t.Fatal(err)
	}
	t.Run("pushing the same digest again succeeds", func(t *testing.T) {
		if err := db.PutManifest("app", first); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("moving the tag to another digest is refused, naming the rule", func(t *testing.T) {
		err := db.PutManifest("app", second)
		var ie *ImmutableError
		if !errors.As(err, &ie) || !errors.Is(err, ErrImmutable) || !strings.Contains(err.Error(), `tags "v*"`) {
			t.Fatalf("PutManifest = %v", err)
		}
		if m, _ := db.Manifest("app", "v1.0.0"); m.Digest != first.Digest {
			t.Fatalf("tag moved to %s", m.Digest)
		}
	})
	t.Run("deleting the tag is refused", func(t *testing.T) {
		if err := db.DeleteTag("app", "v1.0.0", releases, o); !errors.Is(err, ErrImmutable) {
			t.Fatalf("DeleteTag = %v", err)
		}
	})
	t.Run("deleting the manifest under it is refused", func(t *testing.T) {
		if err := db.DeleteManifest("app", first.Digest, releases, o); !errors.Is(err, ErrImmutable) {
			t.Fatalf("DeleteManifest = %v", err)
		}
	})
	t.Run("a mutable tag still moves", func(t *testing.T) {
		latest := image("latest", b)
		latest.Guard = releases
		if err := db.PutManifest("app", latest); err != nil {
			t.Fatal(err)
		}
		again := first
		again.Tag = "latest"
		if err := db.PutManifest("app", again); err != nil {
			t.Fatalf("moving latest: %v", err)
		}
	})
}

func TestAuditLog(t *testing.T) {
	db := openDB(t)
	b := linkBlob(t, db, "app", "layer")
	at := func(min int) Origin {
		return Origin{Actor: "alice", Addr: "10.0.0.1", Time: now.Add(time.Duration(min) * time.Minute)}
	}
	p := image("v1", b)
	p.Origin = at(1)
	if err := db.PutManifest("app", p); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTag("app", "v1", nil, at(2)); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteManifest("app", p.Digest, nil, at(3)); err != nil {
		t.Fatal(err)
	}
	if err := db.UnlinkBlob("app", b.Digest, nil, at(4)); err != nil {
		t.Fatal(err)
	}
	other := linkBlob(t, db, "other", "x")
	q := image("v2", other)
	q.Origin = at(5)
	if err := db.PutManifest("other", q); err != nil {
		t.Fatal(err)
	}

	all, err := db.Audit(AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range all {
		got = append(got, e.Action+" "+e.Repo+" "+e.Tag)
	}
	want := []string{"push other v2", "delete-blob app ", "delete app ", "untag app v1", "push app v1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit = %q, want %q", got, want)
	}
	if all[0].Actor != "alice" || all[0].Addr != "10.0.0.1" || !all[0].Time.Equal(at(5).Time) {
		t.Fatalf("newest entry = %+v", all[0])
	}
	if app, _ := db.Audit(AuditQuery{Repo: "app", Limit: 2}); len(app) != 2 || app[0].Action != AuditDeleteBlob {
		t.Fatalf("app, limit 2 = %+v", app)
	}
	if recent, _ := db.Audit(AuditQuery{Since: at(4).Time}); len(recent) != 2 {
		t.Fatalf("since minute 4 = %+v", recent)
	}
	if n, err := db.PruneAudit(2); err != nil || n != 3 {
		t.Fatalf("PruneAudit = %d, %v", n, err)
	}
	if left, _ := db.Audit(AuditQuery{}); len(left) != 2 || left[0].Repo != "other" {
		t.Fatalf("after prune = %+v", left)
	}
}

func TestTagInfosCarryTheirTime(t *testing.T) {
	db := openDB(t)
	b := linkBlob(t, db, "app", "layer")
	for i, tag := range []string{"b1", "b2"} {
		p := image(tag, b)
		p.Origin.Time = now.Add(time.Duration(i) * time.Hour)
		if err := db.PutManifest("app", p); err != nil {
			t.Fatal(err)
		}
	}
	infos, err := db.TagInfos("app")
	if err != nil || len(infos) != 2 {
		t.Fatalf("TagInfos = %v, %v", infos, err)
	}
	if !infos[1].Updated.Equal(now.Add(time.Hour)) || infos[1].Digest == "" {
		t.Fatalf("b2 = %+v", infos[1])
	}
}

func TestLinkIndexesFollowLinks(t *testing.T) {
	db := openDB(t)
	b := linkBlob(t, db, "src", "shared")
	indexed := func(d digest.Digest) (blob, manifest bool) {
		db.view(func(tx *bolt.Tx) error {
			blob, manifest = blobLinked(tx, d), manifestLinked(tx, d)
			return nil
		})
		return
	}
	if _, err := db.MountBlob("dst", "src", b.Digest, now); err != nil {
		t.Fatal(err)
	}
	o := Origin{Time: now}
	if err := db.UnlinkBlob("src", b.Digest, nil, o); err != nil {
		t.Fatal(err)
	}
	if linked, _ := indexed(b.Digest); !linked {
		t.Fatal("the mount in dst is not indexed")
	}
	if err := db.UnlinkBlob("dst", b.Digest, nil, o); err != nil {
		t.Fatal(err)
	}
	if linked, _ := indexed(b.Digest); linked {
		t.Fatal("an unlinked blob is still indexed")
	}
	c := linkBlob(t, db, "app", "cfg")
	p := image("v1", c)
	if err := db.PutManifest("app", p); err != nil {
		t.Fatal(err)
	}
	var referenced bool
	db.view(func(tx *bolt.Tx) error {
		r, _ := openRepo(tx, "app")
		referenced = r.referenced(c.Digest)
		return nil
	})
	if _, m := indexed(p.Digest); !m || !referenced {
		t.Fatalf("manifest indexed %v, blob referenced %v", m, referenced)
	}
	if err := db.DeleteManifest("app", p.Digest, nil, o); err != nil {
		t.Fatal(err)
	}
	db.view(func(tx *bolt.Tx) error {
		r, _ := openRepo(tx, "app")
		referenced = r.referenced(c.Digest)
		return nil
	})
	if _, m := indexed(p.Digest); m || referenced {
		t.Fatalf("after delete: manifest indexed %v, blob referenced %v", m, referenced)
	}
}

func TestAStoreWithoutAVersionIsRefused(t *testing.T) {
	path := t.TempDir() + "/meta.db"
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		repos, _ := tx.CreateBucket(bucketRepos)
		_, err := repos.CreateBucket([]byte("old"))
		return err
	})
	b.Close()
	if _, err := Open(path); !errors.Is(err, ErrSchema) {
		t.Fatalf("Open = %v, want ErrSchema", err)
	}
}
