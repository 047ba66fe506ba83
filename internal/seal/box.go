package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// KeySize is the size of a Box's key in bytes.
const KeySize = 32

// version starts every sealed value, so that the format can change.
const version = 1

// ErrOpen reports a sealed value that cannot be opened: not sealed with
// this key, or altered.
var ErrOpen = errors.New("cannot open sealed value")

// Box seals and opens values. It is safe for concurrent use.
type Box struct{ aead cipher.AEAD }

// NewBox returns a Box with key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("making a sealing box: the key has %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("making a sealing box: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("making a sealing box: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Load returns a Box with the key at path, which it creates when there is
// none.
func Load(path string, log *slog.Logger) (*Box, error) {
	key, err := loadKey(path, log)
	if err != nil {
		return nil, fmt.Errorf("loading the secrets key %s: %w", path, err)
	}
	return NewBox(key)
}

// Seal encrypts plain; the result holds a random nonce and is
// authenticated, so that Open detects any change.
func (b *Box) Seal(plain []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plain, []byte{version})
}

// Open decrypts what Seal made.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, fmt.Errorf("%w: not a sealed value", ErrOpen)
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte{version})
	if err != nil {
		return nil, fmt.Errorf("%w: wrong key or altered (%v)", ErrOpen, err)
	}
	return plain, nil
}

// loadKey reads the key at path, or creates it when there is none. It
// is written under a temporary name and linked into place, so that a
// crash never leaves a partial key and two processes agree on one.
func loadKey(path string, log *slog.Logger) ([]byte, error) {
	key, err := readKey(path, log)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	key = make([]byte, KeySize)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secrets-key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	// Link fails if another process made the key first: then read its.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	log.Info("created the key that seals deploy secrets", "path", path)
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
		return nil, fmt.Errorf("not a %d-byte file: the secrets of stored revisions cannot be read without it; restore it from a backup", KeySize)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the secrets key is readable by others than its owner", "path", path, "mode", fi.Mode().Perm().String())
	}
	key := make([]byte, KeySize)
	if _, err := f.ReadAt(key, 0); err != nil {
		return nil, err
	}
	return key, nil
}
