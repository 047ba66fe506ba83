package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"

	"github.com/berth-dev/berth/internal/keyfile"
)

// KeySize is the size of a Box's key in bytes.
const KeySize = keyfile.Size

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
	key, err := keyfile.Load(path, keyfile.Kind{
		Name:  "secrets key",
		IfBad: "the secrets of stored revisions cannot be read without it; restore it from a backup",
	}, log)
	if err != nil {
		return nil, fmt.Errorf("loading the secrets key: %w", err)
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
