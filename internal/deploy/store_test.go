package deploy

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/seal"
)

func openTestStore(t *testing.T) *store {
	t.Helper()
	s, err := openStore(filepath.Join(t.TempDir(), "deploy.db"), testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.close() })
	return s
}

func TestStoreNumbersRevisionsAndTracksLive(t *testing.T) {
	s := openTestStore(t)
	var revs []*Revision
	for range 3 {
		r := &Revision{App: "shop", Outcome: OutcomeRunning}
		if err := s.newRevision(r); err != nil {
			t.Fatal(err)
		}
		revs = append(revs, r)
	}
	if revs[0].Number != 1 || revs[2].Number != 3 {
		t.Fatalf("numbers %d..%d, want 1..3", revs[0].Number, revs[2].Number)
	}
	// An app whose name is a prefix of another keeps its own numbers.
	other := &Revision{App: "sho"}
	if err := s.newRevision(other); err != nil || other.Number != 1 {
		t.Fatalf("revision of sho: %d %v, want 1", other.Number, err)
	}

	revs[0].Outcome = OutcomeSucceeded
	if err := s.saveRevision(revs[0], true); err != nil {
		t.Fatal(err)
	}
	revs[1].Outcome = OutcomeSucceeded
	if err := s.saveRevision(revs[1], true); err != nil {
		t.Fatal(err)
	}
	a, err := s.app("shop")
	if err != nil || a.Live != 2 || a.Latest != 3 {
		t.Fatalf("app record %+v %v, want live 2 latest 3", a, err)
	}
	first, err := s.revision("shop", 1)
	if err != nil || first.Outcome != OutcomeSuperseded {
		t.Fatalf("revision 1 is %q %v, want superseded", first.Outcome, err)
	}

	list, err := s.revisions("shop", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Number != 3 || list[2].Number != 1 {
		t.Fatalf("revisions newest first: got %d entries starting at %d", len(list), list[0].Number)
	}
	if list, _ := s.revisions("shop", 2); len(list) != 2 {
		t.Fatalf("limit 2 gave %d", len(list))
	}
	if _, err := s.revision("shop", 9); !errors.Is(err, ErrRevisionUnknown) {
		t.Fatalf("missing revision: %v, want ErrRevisionUnknown", err)
	}
	if _, err := s.app("nope"); !errors.Is(err, ErrAppUnknown) {
		t.Fatalf("missing app: %v, want ErrAppUnknown", err)
	}
}

func TestStoreDeleteAppLeavesOthers(t *testing.T) {
	s := openTestStore(t)
	for _, app := range []string{"shop", "sho", "shop", "shopx", "shop"} {
		if err := s.newRevision(&Revision{App: app}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.deleteApp("shop")
	if err != nil || n != 3 {
		t.Fatalf("deleteApp: %d %v, want 3 revisions", n, err)
	}
	if _, err := s.app("shop"); !errors.Is(err, ErrAppUnknown) {
		t.Fatalf("shop still known: %v", err)
	}
	for _, app := range []string{"sho", "shopx"} {
		if list, err := s.revisions(app, 10); err != nil || len(list) != 1 {
			t.Fatalf("%s lost its revision: %v %v", app, list, err)
		}
	}
	if _, err := s.deleteApp("shop"); !errors.Is(err, ErrAppUnknown) {
		t.Fatalf("second delete: %v, want ErrAppUnknown", err)
	}
	// A new app of the same name starts over at 1.
	r := &Revision{App: "shop"}
	if err := s.newRevision(r); err != nil || r.Number != 1 {
		t.Fatalf("new shop revision %d %v, want 1", r.Number, err)
	}
}

func TestStoreKeepsStateAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deploy.db")
	s, err := openStore(path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	r := &Revision{App: "shop", Outcome: OutcomeSucceeded, Services: map[string]Placement{"web": {Revision: 1, Set: "blue"}}}
	if err := s.newRevision(r); err != nil {
		t.Fatal(err)
	}
	if err := s.saveRevision(r, true); err != nil {
		t.Fatal(err)
	}
	if _, err := openStore(path, testBox(t)); err == nil {
		t.Fatal("a second open of a store in use succeeded")
	}
	s.close()
	s, err = openStore(path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	got, err := s.revision("shop", 1)
	if err != nil || got.Services["web"].Set != "blue" {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
}

// testBox is a sealing box with a key of the test's own.
func testBox(t testing.TB) Sealer {
	t.Helper()
	key := make([]byte, seal.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	b, err := seal.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStoreSealsTheVariablesAndFilesOfRevisions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deploy.db")
	box := testBox(t)
	s, err := openStore(path, box)
	if err != nil {
		t.Fatal(err)
	}
	r := &Revision{App: "shop", Outcome: OutcomeSucceeded,
		Env: map[string]string{"DB_PASSWORD": "hunter2-in-env"}, Files: map[string][]byte{"./pw.txt": []byte("hunter2-in-file")}}
	if err := s.newRevision(r); err != nil {
		t.Fatal(err)
	}
	got, err := s.revision("shop", 1)
	if err != nil || got.Env["DB_PASSWORD"] != "hunter2-in-env" || string(got.Files["./pw.txt"]) != "hunter2-in-file" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	s.close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2-in-env", "hunter2-in-file", "DB_PASSWORD"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the store file holds %q in plain text", secret)
		}
	}
	s, err = openStore(path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.revision("shop", 1)
	s.close()
	if err == nil || !strings.Contains(err.Error(), "secrets key") {
		t.Fatalf("reading a revision sealed with another key = %v, want an error naming the key", err)
	}
}

func TestStoreSealsTheVariablesOfRevisionsStoredInPlainText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deploy.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A revision as berth stored it before variables were sealed.
	err = db.Update(func(tx *bolt.Tx) error {
		apps, err := tx.CreateBucketIfNotExists(bucketApps)
		if err != nil {
			return err
		}
		revs, err := tx.CreateBucketIfNotExists(bucketRevisions)
		if err != nil {
			return err
		}
		if err := apps.Put([]byte("shop"), []byte(`{"name":"shop","live":1,"latest":1}`)); err != nil {
			return err
		}
		return revs.Put(revisionKey("shop", 1), []byte(`{"app":"shop","number":1,"outcome":"succeeded","env":{"TOKEN":"plain-secret"}}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := openStore(path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.revision("shop", 1)
	s.close()
	if err != nil || got.Env["TOKEN"] != "plain-secret" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("plain-secret")) {
		t.Fatal("the variable is still in plain text after openStore")
	}
}
