package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// stream is a reproducible pseudo-random byte stream.
func stream(seed uint64, size int64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	return io.LimitReader(mrand.NewChaCha8(key), size)
}

func streamDigest(t testing.TB, seed uint64, size int64) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, stream(seed, size)); err != nil {
		t.Fatal(err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// checkBlobFiles proves that every file in the blob store holds exactly
// the bytes its name promises: no partial or wrong blob is ever visible.
func checkBlobFiles(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	root := filepath.Join(dir, "blobs", "sha256")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != d.Name() {
			t.Errorf("blob file %s holds content with digest %s", d.Name(), got)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func request(t testing.TB, method, url string, body io.Reader, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func TestKillDuringLargePush(t *testing.T) {
	dir := t.TempDir()
	const size = 256 << 20
	const seed = 7
	want := streamDigest(t, seed, size)
	b := startBerth(t, dir)

	res := request(t, http.MethodPost, b.url("/v2/big/blob/blobs/uploads/"), nil, nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusAccepted || loc == "" {
		t.Fatalf("POST: %d", res.StatusCode)
	}
	// Stream the blob and kill berth once a quarter of it is sent.
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, io.LimitReader(stream(seed, size), size/4))
		if err == nil {
			b.kill()
			_, err = io.Copy(pw, stream(seed, size))
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPatch, b.url(loc), pr)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("PATCH survived kill -9 with status %d", res.StatusCode)
	}

	blobPath := filepath.Join(dir, "blobs", "sha256", want[7:9], want[7:])
	if _, err := os.Stat(blobPath); !os.IsNotExist(err) {
		t.Fatalf("a blob file exists for the interrupted push: %v", err)
	}
	checkBlobFiles(t, dir)

	b = startBerth(t, dir)
	t.Run("the interrupted upload resumes where the data on disk ends", func(t *testing.T) {
		res := request(t, http.MethodGet, b.url(loc), nil, nil)
		rng := res.Header.Get("Range")
		end, err := strconv.ParseInt(strings.TrimPrefix(rng, "0-"), 10, 64)
		if res.StatusCode != http.StatusNoContent || err != nil || end <= 0 || end >= size {
			t.Fatalf("status after restart: %d Range=%q", res.StatusCode, rng)
		}
		rest := stream(seed, size)
		if _, err := io.CopyN(io.Discard, rest, end+1); err != nil {
			t.Fatal(err)
		}
		res = request(t, http.MethodPatch, b.url(loc), rest, map[string]string{"Content-Range": fmt.Sprintf("%d-%d", end+1, size-1)})
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("resumed PATCH: %d", res.StatusCode)
		}
		res = request(t, http.MethodPut, b.url(loc+"?digest="+want), nil, nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("PUT: %d", res.StatusCode)
		}
	})
	t.Run("a fresh retry of the whole push succeeds", func(t *testing.T) {
		res := request(t, http.MethodPost, b.url("/v2/big/retry/blobs/uploads/?digest="+want), stream(seed, size), nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("monolithic retry: %d", res.StatusCode)
		}
	})
	res, err := http.Get(b.url("/v2/big/retry/blobs/" + want))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	h := sha256.New()
	n, _ := io.Copy(h, res.Body)
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); n != size || got != want {
		t.Fatalf("pulled %d bytes with digest %s, want %d bytes %s", n, got, size, want)
	}
	checkBlobFiles(t, dir)
}

// completedPush is an image whose push returned success.
type completedPush struct {
	repoTag string
	digest  ggcr.Hash
}

func TestKillAtRandomMomentsLosesNoCompletedPush(t *testing.T) {
	dir := t.TempDir()
	var done []completedPush
	for cycle := range 3 {
		b := startBerth(t, dir)
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					img, err := random.Image(16<<10, 2)
					if err != nil {
						return
					}
					repoTag := fmt.Sprintf("crash/c%dw%d:i%d", cycle, w, i)
					ref, _ := name.ParseReference(b.addr+"/"+repoTag, name.Insecure)
					err = remote.Write(ref, img, remote.WithContext(ctx), remote.WithRetryBackoff(remote.Backoff{Steps: 1}))
					if err != nil {
						return
					}
					d, _ := img.Digest()
					mu.Lock()
					done = append(done, completedPush{repoTag, d})
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(300+mrand.IntN(1200)) * time.Millisecond)
		b.kill()
		cancel()
		wg.Wait()
	}
	if len(done) == 0 {
		t.Fatal("no push completed before the kills")
	}
	b := startBerth(t, dir)
	for _, p := range done {
		ref, _ := name.ParseReference(b.addr+"/"+p.repoTag, name.Insecure)
		img, err := remote.Image(ref)
		if err != nil {
			t.Fatalf("completed push %s lost: %v", p.repoTag, err)
		}
		if d, _ := img.Digest(); d != p.digest {
			t.Fatalf("%s has digest %s, pushed %s", p.repoTag, d, p.digest)
		}
		layers, _ := img.Layers()
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatalf("%s: %v", p.repoTag, err)
			}
			_, err = io.Copy(io.Discard, rc) // ggcr verifies the digest as it reads
			rc.Close()
			if err != nil {
				t.Fatalf("%s layer: %v", p.repoTag, err)
			}
		}
	}
	t.Logf("%d completed pushes survived 3 kills; %d blob files verified", len(done), checkBlobFiles(t, dir))
}

func TestCleanShutdownKeepsDataAndUploads(t *testing.T) {
	dir := t.TempDir()
	b := startBerth(t, dir)
	img, err := random.Image(64<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(b.addr+"/kept/app:v1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	res := request(t, http.MethodPost, b.url("/v2/kept/app/blobs/uploads/"), nil, nil)
	loc := res.Header.Get("Location")
	request(t, http.MethodPatch, b.url(loc), strings.NewReader(strings.Repeat("x", 4096)), nil)
	b.stop()
	if !strings.Contains(b.output(), `msg=stopped`) {
		t.Fatalf("no clean stop in the log:\n%s", b.output())
	}

	b = startBerth(t, dir)
	ref, _ = name.ParseReference(b.addr+"/kept/app:v1", name.Insecure)
	got, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := got.Digest(); d != mustHash(t, img) {
		t.Fatalf("digest after restart %s", d)
	}
	if res := request(t, http.MethodGet, b.url(loc), nil, nil); res.StatusCode != http.StatusNoContent || res.Header.Get("Range") != "0-4095" {
		t.Fatalf("upload after restart: %d %q", res.StatusCode, res.Header.Get("Range"))
	}
}

func mustHash(t testing.TB, img ggcr.Image) ggcr.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
