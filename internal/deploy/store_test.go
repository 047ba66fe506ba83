package deploy

import (
	"errors"
	"path/filepath"
	"testing"
)

func openTestStore(t *testing.T) *store {
	t.Helper()
	s, err := openStore(filepath.Join(t.TempDir(), "deploy.db"))
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
	s, err := openStore(path)
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
	if _, err := openStore(path); err == nil {
		t.Fatal("a second open of a store in use succeeded")
	}
	s.close()
	s, err = openStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	got, err := s.revision("shop", 1)
	if err != nil || got.Services["web"].Set != "blue" {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
}
