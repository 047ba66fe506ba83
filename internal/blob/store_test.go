package blob

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/opencontainers/go-digest"
)

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readBlob(t testing.TB, s *Store, d digest.Digest) []byte {
	t.Helper()
	f, err := s.Open(d)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func uploadFiles(t testing.TB, s *Store) int {
	t.Helper()
	ups, err := s.Uploads()
	if err != nil {
		t.Fatal(err)
	}
	return len(ups)
}

func TestIngest(t *testing.T) {
	s := openStore(t, t.TempDir())
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 5*chunkSize + 123} {
		data := randomBytes(t, size)
		d := digest.FromBytes(data)
		// One byte at a time exercises every read boundary of the pipeline.
		r := io.Reader(bytes.NewReader(data))
		if size < 3*chunkSize {
			r = iotest.OneByteReader(r)
		}
		n, err := s.Ingest(r, d, nil)
		if err != nil || n != int64(size) {
			t.Fatalf("size %d: Ingest = %d, %v", size, n, err)
		}
		if got := readBlob(t, s, d); !bytes.Equal(got, data) {
			t.Fatalf("size %d: content differs", size)
		}
		if st, err := s.Stat(d); err != nil || st != int64(size) {
			t.Fatalf("size %d: Stat = %d, %v", size, st, err)
		}
	}
	if n := uploadFiles(t, s); n != 0 {
		t.Fatalf("%d upload files left behind", n)
	}
}

func TestWrongDigestLeavesNothing(t *testing.T) {
	s := openStore(t, t.TempDir())
	data := randomBytes(t, 3*chunkSize)
	wrong := digest.FromString("something else")
	_, err := s.Ingest(bytes.NewReader(data), wrong, nil)
	var mm *MismatchError
	if !errors.As(err, &mm) || mm.Got != digest.FromBytes(data) || !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("Ingest error = %v", err)
	}
	for _, d := range []digest.Digest{wrong, digest.FromBytes(data)} {
		if _, err := s.Stat(d); !errors.Is(err, ErrNotFound) {
			t.Fatalf("blob %s exists after a mismatch: %v", d, err)
		}
	}
	if n := uploadFiles(t, s); n != 0 {
		t.Fatalf("%d upload files left behind", n)
	}
}

func TestFailedChunkIsUndone(t *testing.T) {
	s := openStore(t, t.TempDir())
	id := NewUploadID()
	if err := s.CreateUpload(id); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(t, 3*chunkSize+17)
	if _, err := s.Append(id, 0, bytes.NewReader(data[:1000])); err != nil {
		t.Fatal(err)
	}
	// A body that breaks after two and a half chunks.
	broken := io.MultiReader(bytes.NewReader(data[1000:1000+5*chunkSize/2]), iotest.ErrReader(io.ErrUnexpectedEOF))
	size, err := s.Append(id, 1000, broken)
	var be *BodyError
	if !errors.As(err, &be) || size != 1000 {
		t.Fatalf("broken Append = %d, %v", size, err)
	}
	if got, _ := s.UploadSize(id); got != 1000 {
		t.Fatalf("upload holds %d bytes after a failed chunk, want 1000", got)
	}
	// The same chunk again, whole this time: the hash must not count the
	// failed attempt.
	if _, err := s.Append(id, 1000, bytes.NewReader(data[1000:])); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(id, digest.FromBytes(data), nil); err != nil {
		t.Fatalf("Commit after a retried chunk: %v", err)
	}
}

func TestOutOfOrderChunk(t *testing.T) {
	s := openStore(t, t.TempDir())
	id := NewUploadID()
	if err := s.CreateUpload(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(id, 0, bytes.NewReader(make([]byte, 10))); err != nil {
		t.Fatal(err)
	}
	_, err := s.Append(id, 20, bytes.NewReader(make([]byte, 10)))
	var re *RangeError
	if !errors.As(err, &re) || re.Size != 10 || !errors.Is(err, ErrRangeInvalid) {
		t.Fatalf("gap: %v", err)
	}
}

func TestUploadSurvivesANewStore(t *testing.T) {
	dir := t.TempDir()
	data := randomBytes(t, 2*chunkSize+5)
	s := openStore(t, dir)
	id := NewUploadID()
	if err := s.CreateUpload(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(id, 0, bytes.NewReader(data[:chunkSize+3])); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir) // as after a restart: no hash state in memory
	if size, _ := s2.UploadSize(id); size != chunkSize+3 {
		t.Fatalf("size after reopen %d", size)
	}
	if _, err := s2.Append(id, chunkSize+3, bytes.NewReader(data[chunkSize+3:])); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Commit(id, digest.FromBytes(data), nil); err != nil {
		t.Fatal(err)
	}
}

func TestSHA512Commit(t *testing.T) {
	s := openStore(t, t.TempDir())
	data := randomBytes(t, 4000)
	d := digest.SHA512.FromBytes(data)
	if _, err := s.Ingest(bytes.NewReader(data), d, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readBlob(t, s, d), data) {
		t.Fatal("sha512 blob differs")
	}
}

func TestConcurrentUploadsOfOneBlobKeepOneFile(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	data := randomBytes(t, 2*chunkSize)
	d := digest.FromBytes(data)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Ingest(bytes.NewReader(data), d, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	matches, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*", "*"))
	if len(matches) != 1 || !bytes.Equal(readBlob(t, s, d), data) {
		t.Fatalf("%d blob files for one digest", len(matches))
	}
}

func TestUploadIDsCannotNameOtherFiles(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"../victim", "/etc/passwd", "", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"} {
		if err := s.CreateUpload(id); !errors.Is(err, ErrUploadUnknown) {
			t.Fatalf("CreateUpload(%q) = %v", id, err)
		}
		if _, err := s.Append(id, -1, bytes.NewReader([]byte("x"))); !errors.Is(err, ErrUploadUnknown) {
			t.Fatalf("Append(%q) = %v", id, err)
		}
		s.DeleteUpload(id)
		s.RemoveStray(id)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep" {
		t.Fatalf("victim touched: %q %v", b, err)
	}
}

func TestPipelineStopsOnAWriteFailure(t *testing.T) {
	s := openStore(t, t.TempDir())
	data := randomBytes(t, 10*chunkSize)
	h := sha256.New()
	dst := &failingWriter{limit: 3 * chunkSize}
	n, err := s.copyHashing(dst, h, bytes.NewReader(data))
	if !errors.Is(err, errHungUp) || n != 3*chunkSize {
		t.Fatalf("copyHashing = %d, %v; want the writer's error after 3 chunks", n, err)
	}
}

func TestPipelineReportsABrokenBody(t *testing.T) {
	s := openStore(t, t.TempDir())
	body := io.MultiReader(bytes.NewReader(randomBytes(t, 3*chunkSize)), iotest.ErrReader(io.ErrUnexpectedEOF))
	_, err := s.copyHashing(io.Discard, sha256.New(), body)
	var be *BodyError
	if !errors.As(err, &be) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("copyHashing error = %v, want a BodyError", err)
	}
}

func TestSweepAndCommitOfOneDigestDoNotInterleave(t *testing.T) {
	s := openStore(t, t.TempDir())
	data := randomBytes(t, 1000)
	d := digest.FromBytes(data)
	if _, err := s.Ingest(bytes.NewReader(data), d, nil); err != nil {
		t.Fatal(err)
	}
	id := NewUploadID()
	if err := s.CreateUpload(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(id, 0, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}

	inConfirm, release := make(chan struct{}), make(chan struct{})
	swept := make(chan bool)
	go func() {
		ok, err := s.Sweep(d, func() (bool, error) {
			close(inConfirm)
			<-release
			return true, nil
		})
		if err != nil {
			t.Error(err)
		}
		swept <- ok
	}()
	<-inConfirm
	linked := make(chan struct{})
	go func() {
		_, err := s.Commit(id, d, func(int64) error { close(linked); return nil })
		if err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-linked:
		t.Fatal("a commit of the digest ran while a sweep of it was deciding")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if !<-swept {
		t.Fatal("sweep did not remove the file")
	}
	<-linked
	if got := readBlob(t, s, d); !bytes.Equal(got, data) {
		t.Fatal("the commit after the sweep did not restore the blob")
	}
	if ok, err := s.Sweep(d, func() (bool, error) { return false, nil }); ok || err != nil {
		t.Fatalf("an unconfirmed sweep removed the blob: %v %v", ok, err)
	}
}
