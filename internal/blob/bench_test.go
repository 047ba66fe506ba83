package blob

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/opencontainers/go-digest"
)

// BenchmarkIngest measures storing one blob from memory: hashing, writing
// and the fsync that makes it durable, without HTTP.
func BenchmarkIngest(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 20, 512 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			data := make([]byte, size)
			for i := range data {
				data[i] = byte(i * 7)
			}
			d := digest.FromBytes(data)
			s, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := s.Ingest(bytes.NewReader(data), d, nil); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Sweep(d, func() (bool, error) { return true, nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
