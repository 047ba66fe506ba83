package gc

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/manifest"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/registry"
)

const (
	benchManifests = 10000
	benchBlobs     = 50000
	benchGarbage   = 10000 // of the blobs, linked but referenced by nothing
	blobsPerImage  = (benchBlobs - benchGarbage) / benchManifests
)

// populate fills a store with benchManifests images referencing
// benchBlobs-benchGarbage blobs, plus benchGarbage unreferenced blobs,
// all older than any grace period.
func populate(b *testing.B, db *meta.DB, blobs *blob.Store) {
	b.Helper()
	old := time.Now().Add(-48 * time.Hour)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= benchManifests+benchGarbage {
					return
				}
				repo := fmt.Sprintf("team/app%d", i%100)
				if i >= benchManifests {
					storeBlob(b, db, blobs, repo, fmt.Sprintf("garbage %d", i), old)
					continue
				}
				descs := make([]v1.Descriptor, blobsPerImage)
				for j := range descs {
					descs[j] = storeBlob(b, db, blobs, repo, fmt.Sprintf("image %d layer %d", i, j), old)
				}
				body := []byte(fmt.Sprintf(`{"image":%d}`, i))
				err := db.PutManifest(repo, meta.ManifestPut{
					Digest: digest.FromBytes(body), Body: body, Tag: fmt.Sprintf("v%d", i),
					Manifest: &manifest.Manifest{MediaType: manifest.OCIManifest, Kind: manifest.KindImage, Blobs: descs},
					Origin:   meta.Origin{Actor: "bench", Time: old},
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func storeBlob(b *testing.B, db *meta.DB, blobs *blob.Store, repo, content string, at time.Time) v1.Descriptor {
	d := digest.FromString(content)
	_, err := blobs.Ingest(bytes.NewReader([]byte(content)), d, func(size int64) error {
		return db.LinkBlob(repo, d, size, "", at)
	})
	if err != nil {
		b.Fatal(err)
	}
	return v1.Descriptor{MediaType: "application/octet-stream", Digest: d, Size: int64(len(content))}
}

// BenchmarkCollect reports, for a store of 10k manifests and 50k blobs of
// which 10k are garbage: the time and memory to find the garbage (mark),
// the time and memory of a whole collection that removes it, and
// small-blob pushes per second through the registry with and without
// collections running back to back. Run it with -benchtime=1x: setting up
// the store takes a while.
func BenchmarkCollect(b *testing.B) {
	dir := b.TempDir()
	db, err := meta.Open(dir + "/meta.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	blobs, err := blob.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	populate(b, db, blobs)
	b.Logf("populated %d manifests and %d blobs in %s", benchManifests, benchBlobs, time.Since(start).Round(time.Millisecond))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	col := New(db, blobs, Config{Grace: time.Hour}, log)

	b.Run("mark", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := db.FindGarbage(time.Now().Add(-time.Hour), nil)
			if err != nil || len(g.Links) != benchGarbage {
				b.Fatalf("found %d garbage links, %v", len(g.Links), err)
			}
		}
	})
	b.Run("collect", func(b *testing.B) {
		var allocated, peak uint64
		round := 0
		for b.Loop() {
			b.StopTimer()
			if round > 0 {
				makeGarbage(b, db, blobs, round)
			}
			round++
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			stopSampling := samplePeakHeap(&peak)
			b.StartTimer()
			rep, err := col.Run(context.Background(), false)
			b.StopTimer()
			stopSampling()
			runtime.ReadMemStats(&after)
			if err != nil || rep.Blobs != benchGarbage {
				b.Fatalf("collection removed %d blobs, %v", rep.Blobs, err)
			}
			allocated += after.TotalAlloc - before.TotalAlloc
			b.StartTimer()
		}
		b.ReportMetric(float64(allocated)/float64(round)/(1<<20), "MiB-allocated/op")
		b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
	})
	reg := registry.New(blobs, db, log, registry.Options{})
	srv := httptest.NewServer(reg)
	defer srv.Close()
	for _, during := range []bool{false, true} {
		name := "push-alone"
		if during {
			name = "push-during-gc"
		}
		b.Run(name, func(b *testing.B) {
			var pushes int64
			var seconds float64
			for b.Loop() {
				ctx, stop := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				if during {
					makeGarbage(b, db, blobs, 1000)
					wg.Go(func() {
						for ctx.Err() == nil {
							_, _ = col.Run(ctx, false)
						}
					})
				}
				pushes += pushFor(b, srv, 3*time.Second)
				seconds += 3
				stop()
				wg.Wait()
			}
			b.ReportMetric(float64(pushes)/seconds, "pushes/s")
		})
	}
}

// samplePeakHeap records the largest heap in use into peak until the
// returned function is called.
func samplePeakHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			*peak = max(*peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// makeGarbage stores benchGarbage more unreferenced blobs, old enough to
// go.
func makeGarbage(b *testing.B, db *meta.DB, blobs *blob.Store, round int) {
	old := time.Now().Add(-48 * time.Hour)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := next.Add(1); i <= benchGarbage; i = next.Add(1) {
				storeBlob(b, db, blobs, "team/garbage", fmt.Sprintf("garbage round %d %d", round, i), old)
			}
		})
	}
	wg.Wait()
}

// pushFor pushes random 4 KiB blobs from 16 clients for d and returns how
// many succeeded.
func pushFor(b *testing.B, srv *httptest.Server, d time.Duration) int64 {
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			data := make([]byte, 4096)
			for time.Now().Before(deadline) {
				_, _ = rand.Read(data)
				dg := digest.FromBytes(data)
				url := fmt.Sprintf("%s/v2/bench/w%d/blobs/uploads/?digest=%s", srv.URL, w, dg)
				res, err := srv.Client().Post(url, "application/octet-stream", bytes.NewReader(data))
				if err != nil {
					b.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Errorf("push: %d", res.StatusCode)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return n.Load()
}
