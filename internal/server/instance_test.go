package server

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTheInstanceIDIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	a, err := loadInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != 8 || a.AdoptUnlabelled {
		t.Fatalf("a new data directory got %+v, want an 8-digit id that adopts nothing", a)
	}
	b, err := loadInstance(dir)
	if err != nil || b != a {
		t.Fatalf("the second start read %+v %v, want %+v", b, err, a)
	}
	other, err := loadInstance(t.TempDir())
	if err != nil || other.ID == a.ID {
		t.Fatalf("another data directory got %+v %v", other, err)
	}
}

func TestADataDirectoryFromBeforeInstanceIDsAdoptsItsContainers(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "deploy.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := loadInstance(dir)
	if err != nil || !a.AdoptUnlabelled {
		t.Fatalf("got %+v %v, want one that adopts what has no id", a, err)
	}
	if b, err := loadInstance(dir); err != nil || b != a {
		t.Fatalf("the second start read %+v %v, want %+v", b, err, a)
	}
}

func TestABrokenInstanceFileStopsBerth(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "instance"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadInstance(dir); err == nil {
		t.Fatal("a broken instance file was accepted")
	}
}
