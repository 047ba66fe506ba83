package bench

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"

	"github.com/opencontainers/go-digest"
)

// newRandom returns a fast source of random bytes, seeded so that no two
// runs produce the same blobs. It is not safe for concurrent use.
func newRandom() *mrand.ChaCha8 {
	var seed [32]byte
	_, _ = rand.Read(seed[:]) // crypto/rand.Read never fails.
	return mrand.NewChaCha8(seed)
}

// blob is content held in memory with its digest.
type blob struct {
	data   []byte
	digest digest.Digest
}

func newBlob(data []byte) blob {
	return blob{data: data, digest: digest.FromBytes(data)}
}

// randomBlobs returns n distinct random blobs of size bytes each, cut from
// one allocation.
func randomBlobs(rnd io.Reader, n int, size int64) []blob {
	buf := make([]byte, int64(n)*size)
	_, _ = io.ReadFull(rnd, buf) // a ChaCha8 never runs dry.
	blobs := make([]blob, n)
	for i := range blobs {
		blobs[i] = newBlob(buf[int64(i)*size : int64(i+1)*size : int64(i+1)*size])
	}
	return blobs
}

// fileBlob is a blob kept in a file because it is too large for memory.
type fileBlob struct {
	path   string
	size   int64
	digest digest.Digest
}

// writeFileBlob writes size random bytes to a new file in dir (the system
// temporary directory when empty), flushes it to disk so that its
// writeback does not run during a measurement, and returns it with its
// digest.
func writeFileBlob(dir string, rnd io.Reader, size int64) (b fileBlob, err error) {
	f, err := os.CreateTemp(dir, "berth-bench-*.blob")
	if err != nil {
		return fileBlob{}, fmt.Errorf("creating blob file: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing blob file: %w", cerr)
		}
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(rnd, size), buf); err != nil {
		return fileBlob{}, fmt.Errorf("writing blob file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fileBlob{}, fmt.Errorf("syncing blob file: %w", err)
	}
	return fileBlob{
		path:   f.Name(),
		size:   size,
		digest: digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil)),
	}, nil
}
