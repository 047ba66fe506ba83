package deploy

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestStoreKnowsTheContainersBerthStarted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deploy.db")
	s, err := openStore(path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	if !s.adoptContainers {
		t.Fatal("a new store does not adopt what runs")
	}
	for _, c := range []struct{ app, id string }{{"shop", "a"}, {"shop", "b"}, {"shopfront", "c"}} {
		if err := s.knowContainer(c.app, c.id); err != nil {
			t.Fatal(err)
		}
	}
	known, err := s.knownContainers("shop")
	if err != nil || len(known) != 2 || !known["a"] || !known["b"] {
		t.Fatalf("known containers of shop: %v %v, want a and b (not shopfront's)", known, err)
	}
	if err := s.forgetContainers("shop", map[string]bool{"b": true}); err != nil {
		t.Fatal(err)
	}
	if known, _ := s.knownContainers("shop"); len(known) != 1 || !known["b"] {
		t.Fatalf("after forgetting what is gone: %v, want b", known)
	}
	if k, _ := s.knownContainers("shopfront"); !k["c"] {
		t.Fatal("forgetting shop's containers forgot shopfront's")
	}
	s.close()

	s, err = openStore(path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.adoptContainers {
		t.Fatal("a store that records containers adopts again")
	}
	s.close()

	// A store from before berth recorded containers adopts once.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketContainers) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = openStore(path, testBox(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if !s.adoptContainers {
		t.Fatal("a store from before does not adopt what runs")
	}
}
