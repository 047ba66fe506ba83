package keyfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
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
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Link fails when another process made the key first: then its is
	// the key.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
