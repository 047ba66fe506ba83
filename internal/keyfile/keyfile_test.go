package keyfile

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var kind = Kind{Name: "test key", IfBad: "remove it"}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestLoad(t *testing.T) {
	t.Run("the first load creates a private key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "auth", "token.key")
		key, err := Load(path, kind, discard())
		if err != nil {
			t.Fatal(err)
		}
		if len(key) != Size || bytes.Equal(key, make([]byte, Size)) {
			t.Fatalf("key %x", key)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("key file %v %v, want mode 0600", fi, err)
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil || di.Mode().Perm() != 0o700 {
			t.Errorf("directory %v %v, want mode 0700", di, err)
		}
		if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
			t.Errorf("left behind %v", entries)
		}
	})
	t.Run("later loads read the same key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "token.key")
		first, err := Load(path, kind, discard())
		if err != nil {
			t.Fatal(err)
		}
		again, err := Load(path, kind, discard())
		if err != nil || !bytes.Equal(first, again) {
			t.Fatalf("second load %x %v, first %x", again, err, first)
		}
	})
	t.Run("loads at once agree on one key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "token.key")
		keys := make([][]byte, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() {
				k, err := Load(path, kind, discard())
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		for i, k := range keys {
			if !bytes.Equal(k, keys[0]) {
				t.Fatalf("load %d of 8 at once got another key", i)
			}
		}
	})
	t.Run("a key file of the wrong size is an error that says what to do", func(t *testing.T) {
		for _, size := range []int{0, 16, 33} {
			path := filepath.Join(t.TempDir(), "token.key")
			if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, kind, discard())
			if err == nil || !strings.Contains(err.Error(), "32-byte") || !strings.Contains(err.Error(), "remove it") {
				t.Fatalf("%d bytes: %v", size, err)
			}
		}
	})
	t.Run("a directory in the key's place is an error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "token.key")
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path, kind, discard()); err == nil {
			t.Fatal("no error")
		}
	})
}
