package blob

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

func streamBlob(t testing.TB, s *Store, d digest.Digest, w interface{ Write([]byte) (int, error) }) (int64, error) {
	t.Helper()
	f, err := s.Open(d)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return s.Stream(f, fi.Size(), w)
}

func TestStreamSendsEveryByte(t *testing.T) {
	s := openStore(t, t.TempDir())
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 77} {
		data := randomBytes(t, size)
		d := digest.FromBytes(data)
		if _, err := s.Ingest(bytes.NewReader(data), d, nil); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		n, err := streamBlob(t, s, d, &out)
		if err != nil || n != int64(size) || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("size %d: streamed %d bytes, %v; equal=%v", size, n, err, bytes.Equal(out.Bytes(), data))
		}
	}
}

// failingWriter accepts limit bytes, then fails like a client that hung up.
type failingWriter struct{ limit, got int }

var errHungUp = errors.New("client hung up")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.got+len(p) > w.limit {
		return 0, errHungUp
	}
	w.got += len(p)
	return len(p), nil
}

func TestStreamStopsWhenTheClientGoes(t *testing.T) {
	s := openStore(t, t.TempDir())
	data := randomBytes(t, 8*chunkSize)
	d := digest.FromBytes(data)
	if _, err := s.Ingest(bytes.NewReader(data), d, nil); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	n, err := streamBlob(t, s, d, &failingWriter{limit: 2 * chunkSize})
	if !errors.Is(err, errHungUp) || n != 2*chunkSize {
		t.Fatalf("Stream = %d, %v", n, err)
	}
	// The read-ahead goroutine must be gone, not parked on a full channel.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("%d goroutines after Stream, %d before", g, before)
	}
}
