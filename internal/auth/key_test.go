package auth

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSigningKey(t *testing.T) {
	t.Run("the first start creates a private key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "auth", "token.key")
		key, err := loadKey(path, discard())
		if err != nil {
			t.Fatal(err)
		}
		if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
			t.Fatalf("key %x", key)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm() != 0o700 {
			t.Errorf("directory mode %v, want 0700", di.Mode().Perm())
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Errorf("left behind %v", entries)
		}
	})
	t.Run("later starts read the same key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "token.key")
		first, err := loadKey(path, discard())
		if err != nil {
			t.Fatal(err)
		}
		again, err := loadKey(path, discard())
		if err != nil || !bytes.Equal(first, again) {
			t.Fatalf("second load %x %v, first %x", again, err, first)
		}
	})
	t.Run("a key file of the wrong size is an error", func(t *testing.T) {
		for _, size := range []int{0, 16, 33} {
			path := filepath.Join(t.TempDir(), "token.key")
			if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := loadKey(path, discard()); err == nil || !strings.Contains(err.Error(), "32-byte") {
				t.Fatalf("%d bytes: %v", size, err)
			}
		}
	})
	t.Run("a directory in the key's place is an error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "token.key")
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := loadKey(path, discard()); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("New reports a bad key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "token.key")
		if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(testConfig(t), path, discard()); err == nil || !strings.Contains(err.Error(), "loading token key") {
			t.Fatalf("New: %v", err)
		}
	})
}
