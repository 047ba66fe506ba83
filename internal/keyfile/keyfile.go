package keyfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/internal/atomicfile"
)

// Size is the size of a key in bytes.
const Size = 32

// Kind says what a key is for, in what berth tells its user.
type Kind struct {
	// Name is what the key is, such as "token signing key".
	Name string
	// IfBad says what to do with a key file that cannot be used, such as
	// "remove it to have a new key made (tokens already issued stop
	// working)".
	IfBad string
}

// Load reads the key at path, or makes it when there is none.
func Load(path string, kind Kind, log *slog.Logger) ([]byte, error) {
	key, err := read(path, kind, log)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := create(path); err != nil {
		return nil, err
	}
	log.Info("created the "+kind.Name, "path", path)
	return read(path, kind, log)
}

func read(path string, kind Kind, log *slog.Logger) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != Size {
		return nil, fmt.Errorf("%s %s is not a %d-byte file: %s", kind.Name, path, Size, kind.IfBad)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the "+kind.Name+" is readable by others than its owner", "path", path, "mode", fi.Mode().Perm().String())
	}
	key := make([]byte, Size)
	if _, err := f.ReadAt(key, 0); err != nil {
		return nil, err
	}
	return key, nil
}

func create(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key := make([]byte, Size)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	// Of two processes making the key at once, one writes it and the
	// other keeps that key.
	_, err := atomicfile.Create(path, key, 0o600)
	return err
}
