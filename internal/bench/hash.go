package bench

import (
	"context"
	"crypto/sha256"
	"io"
	"time"
)

// measureSHA256 returns how many MB per second one goroutine hashes from
// memory with crypto/sha256: the best of three rounds, each hashing a
// 16 MiB buffer over and over for at least roundTime. It is the ceiling
// for a registry that verifies digests on one core while the data
// streams in.
func measureSHA256(ctx context.Context, rnd io.Reader, roundTime time.Duration) (float64, error) {
	buf := make([]byte, 16<<20)
	_, _ = io.ReadFull(rnd, buf) // a ChaCha8 never runs dry.
	h := sha256.New()
	h.Write(buf) // warm up: the first pass pays for page faults
	best := 0.0
	for range 3 {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		h.Reset()
		var total int64
		start := time.Now()
		for passes := 0; passes < 2 || time.Since(start) < roundTime; passes++ {
			h.Write(buf)
			total += int64(len(buf))
		}
		h.Sum(nil)
		best = max(best, mbPerSecond(total, time.Since(start)))
	}
	return best, nil
}
