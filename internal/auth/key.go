package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// KeySize is the size in bytes of the key that signs tokens.
const KeySize = 32

// loadKey reads the signing key at path, or creates it (mode 0600, in a
// directory made 0700) when there is none. The key is written under a
// temporary name and linked into place, so a crash never leaves a
// partial key and two processes starting at once agree on one key.
func loadKey(path string, log *slog.Logger) ([]byte, error) {
	key, err := readKey(path, log)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKey(path); err != nil {
		return nil, err
	}
	log.Info("created the token signing key", "path", path)
	return readKey(path, log)
}

func readKey(path string, log *slog.Logger) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != KeySize {
		return nil, fmt.Errorf("token key %s is not a %d-byte file: remove it to have a new key made (tokens already issued stop working)", path, KeySize)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the token signing key is readable by others than its owner", "path", path, "mode", fi.Mode().Perm().String())
	}
	key := make([]byte, KeySize)
	if _, err := f.ReadAt(key, 0); err != nil {
		return nil, err
	}
	return key, nil
}

func createKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".token-key-*")
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
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
