package blob

import (
	"bytes"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"
)

// BenchmarkIngest measures storing one blob from memory: hashing, writing
// and the fsync that makes it durable, without HTTP.
func BenchmarkIngest(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 20, 1 << 30} {
		b.Run(byteSize(size), func(b *testing.B) {
			data := make([]byte, size)
			for i := range data {
				data[i] = byte(i * 7)
			}
			d := digest.FromBytes(data)
			b.SetBytes(int64(size))
			for b.Loop() {
				s, err := Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Ingest(bytes.NewReader(data), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func byteSize(n int) string {
	switch {
	case n >= 1<<30:
		return itoa(n>>30) + "GiB"
	case n >= 1<<20:
		return itoa(n>>20) + "MiB"
	}
	return itoa(n>>10) + "KiB"
}

func itoa(n int) string { return string(bytes.TrimLeft([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}, "0")) }

var _ = io.Discard
