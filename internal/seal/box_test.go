package seal

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestSealedValuesOpenOnlyWithTheirKey(t *testing.T) {
	dir := t.TempDir()
	a, err := Load(filepath.Join(dir, "a.key"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(filepath.Join(dir, "b.key"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("DB_PASSWORD=hunter2")
	sealed := a.Seal(plain)
	if bytes.Contains(sealed, plain) || bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("the sealed value holds the plain text")
	}
	if again := a.Seal(plain); bytes.Equal(again, sealed) {
		t.Fatal("sealing twice gave the same bytes: the nonce is not random")
	}
	got, err := a.Open(sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another key = %v, want ErrOpen", err)
	}
	for i := range sealed {
		altered := bytes.Clone(sealed)
		altered[i] ^= 1
		if _, err := a.Open(altered); !errors.Is(err, ErrOpen) {
			t.Fatalf("Open of a value with byte %d altered = %v, want ErrOpen", i, err)
		}
	}
	if _, err := a.Open(sealed[:5]); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open of a short value = %v, want ErrOpen", err)
	}
}

func TestTheKeyIsMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth", "secrets.key")
	var wg sync.WaitGroup
	boxes := make([]*Box, 8)
	for i := range boxes {
		wg.Go(func() {
			b, err := Load(path, quiet())
			if err != nil {
				t.Error(err)
			}
			boxes[i] = b
		})
	}
	wg.Wait()
	sealed := boxes[0].Seal([]byte("x"))
	for i, b := range boxes {
		if _, err := b.Open(sealed); err != nil {
			t.Fatalf("box %d of 8 loaded at once has another key: %v", i, err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != KeySize {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("key directory: %v %v", di, err)
	}
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, quiet()); err == nil {
		t.Fatal("Load accepted a key file of the wrong size")
	}
}

func FuzzOpen(f *testing.F) {
	b, err := NewBox(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b.Seal([]byte("hello")))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, sealed []byte) {
		plain, err := b.Open(sealed)
		if err != nil {
			return
		}
		if again, err := b.Open(b.Seal(plain)); err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("round trip of %q: %q %v", plain, again, err)
		}
	})
}
