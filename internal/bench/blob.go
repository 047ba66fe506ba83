package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// pushFile pushes b to repo in one stream, the file itself as the body,
// and returns how long it took from opening the upload to its completion.
func pushFile(ctx context.Context, t Target, repo string, b fileBlob) (time.Duration, error) {
	f, err := os.Open(b.path)
	if err != nil {
		return 0, fmt.Errorf("opening blob file: %w", err)
	}
	defer f.Close() // also closed by the HTTP client once sent
	start := time.Now()
	if err := t.pushStream(ctx, repo, f, b.size, b.digest); err != nil {
		return 0, fmt.Errorf("pushing blob: %w", err)
	}
	return time.Since(start), nil
}

// pullFile pulls b from repo, throwing the bytes away, and returns how
// long it took. It fails unless exactly b.size bytes arrive.
func pullFile(ctx context.Context, t Target, repo string, b fileBlob) (time.Duration, error) {
	start := time.Now()
	resp, err := t.do(ctx, call{
		method: http.MethodGet,
		url:    t.endpoint("/v2/" + repo + "/blobs/" + b.digest.String()),
		want:   http.StatusOK,
	})
	if err != nil {
		return 0, fmt.Errorf("pulling blob: %w", err)
	}
	defer resp.Body.Close()
	// io.Discard would read in 8 KiB steps and make the client the
	// bottleneck; 1 MiB reads leave the measurement to the registry.
	n, err := io.CopyBuffer(discard{}, resp.Body, make([]byte, 1<<20))
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("pulling blob: reading body after %d bytes: %w", n, err)
	}
	if n != b.size {
		return 0, fmt.Errorf("pulling blob: got %d bytes, want %d", n, b.size)
	}
	return elapsed, nil
}

// pushSmall pushes every blob to repo with the monolithic flow on workers
// concurrent clients and returns how long they all took.
func pushSmall(ctx context.Context, t Target, repo string, blobs []blob, workers int) (time.Duration, error) {
	start := time.Now()
	err := forEach(ctx, len(blobs), workers, func(ctx context.Context, i int) error {
		return t.pushMonolithic(ctx, repo, blobs[i].data, blobs[i].digest)
	})
	if err != nil {
		return 0, fmt.Errorf("pushing small blobs: %w", err)
	}
	return time.Since(start), nil
}

// discard swallows bytes without io.Discard's ReaderFrom, so that
// io.CopyBuffer uses the buffer it is given.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
