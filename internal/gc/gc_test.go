package gc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/registry"
)

// env is a real registry on real stores with a collector over them.
type env struct {
	dir   string
	db    *meta.DB
	blobs *blob.Store
	reg   *registry.Registry
	host  string
	col   *Collector
}

func newEnv(t testing.TB, grace time.Duration, cfg Config) *env {
	t.Helper()
	e := &env{dir: t.TempDir()}
	var err error
	if e.db, err = meta.Open(filepath.Join(e.dir, "meta.db")); err != nil {
		t.Fatal(err)
	}
	if e.blobs, err = blob.Open(e.dir); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.reg = registry.New(e.blobs, e.db, log, registry.Options{RecentWindow: grace})
	srv := httptest.NewServer(e.reg)
	t.Cleanup(func() {
		srv.Close()
		e.db.Close()
	})
	e.host = strings.TrimPrefix(srv.URL, "http://")
	cfg.Grace, cfg.InUse = grace, e.reg.RecentlyUsed
	e.col = New(e.db, e.blobs, cfg, log)
	return e
}

func (e *env) ref(t testing.TB, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(e.host+"/"+s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// files lists the blob files on disk.
func (e *env) files(t testing.TB) map[digest.Digest]bool {
	t.Helper()
	out := map[digest.Digest]bool{}
	if err := e.blobs.Walk(func(d digest.Digest, _ time.Time) error { out[d] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// pullAll proves an image is complete: every blob is there and hashes to
// its digest. It returns the digests the image needs.
func pullAll(t testing.TB, ref name.Reference, want ggcr.Hash) []digest.Digest {
	t.Helper()
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	if d, _ := img.Digest(); d != want {
		t.Fatalf("%s has digest %s, pushed %s", ref, d, want)
	}
	cfg, _ := img.ConfigName()
	needs := []digest.Digest{digest.Digest(cfg.String())}
	if _, err := img.RawConfigFile(); err != nil {
		t.Fatalf("%s config: %v", ref, err)
	}
	layers, _ := img.Layers()
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatalf("%s layer: %v", ref, err)
		}
		_, err = io.Copy(io.Discard, rc) // verified against the digest as read
		rc.Close()
		if err != nil {
			t.Fatalf("%s layer: %v", ref, err)
		}
		d, _ := l.Digest()
		needs = append(needs, digest.Digest(d.String()))
	}
	return needs
}

func TestConcurrentPushesDeletesAndCollections(t *testing.T) {
	const grace = 300 * time.Millisecond
	e := newEnv(t, grace, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu        sync.Mutex
		tagged    = map[string]ggcr.Hash{} // repo:tag -> digest, still expected
		failed    int
		collected int
		wg        sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var mine []string
			for i := 0; ctx.Err() == nil; i++ {
				switch {
				case len(mine) > 0 && rng.IntN(3) == 0:
					victim := mine[rng.IntN(len(mine))]
					mu.Lock()
					d := tagged[victim]
					delete(tagged, victim)
					mu.Unlock()
					repo, _, _ := strings.Cut(victim, ":")
					if err := remote.Delete(e.ref(t, repo+"@"+d.String())); err != nil {
						t.Errorf("deleting %s: %v", victim, err)
					}
					mine = removeAll(mine, victim, tagged, &mu)
				case rng.IntN(5) == 0:
					// A layer no manifest will reference: garbage.
					l, _ := random.Layer(512, types.OCILayer)
					_ = remote.WriteLayer(e.ref(t, fmt.Sprintf("w%d/app:x", w)).Context(), l)
				default:
					img, _ := random.Image(2048, 2)
					ref := fmt.Sprintf("w%d/app:t%d", w, i)
					if err := remote.Write(e.ref(t, ref), img); err != nil {
						mu.Lock()
						failed++
						mu.Unlock()
						continue
					}
					d, _ := img.Digest()
					mu.Lock()
					tagged[ref] = d
					mu.Unlock()
					mine = append(mine, ref)
				}
			}
		})
	}
	wg.Go(func() {
		for ctx.Err() == nil {
			if _, err := e.col.Run(ctx, false); err == nil {
				collected++
			} else if ctx.Err() == nil {
				t.Errorf("collection: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	time.Sleep(3 * time.Second)
	cancel()
	wg.Wait()
	t.Logf("%d images kept, %d pushes refused, %d collections", len(tagged), failed, collected)
	if len(tagged) == 0 || collected < 5 {
		t.Fatalf("too little happened: %d images, %d collections", len(tagged), collected)
	}

	needed := map[digest.Digest]bool{}
	for ref, d := range tagged {
		for _, n := range pullAll(t, e.ref(t, ref), d) {
			needed[n] = true
		}
	}
	// Once the grace period is over, everything unreferenced goes.
	time.Sleep(2 * grace)
	if _, err := e.col.Run(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	for ref, d := range tagged {
		pullAll(t, e.ref(t, ref), d)
	}
	files := e.files(t)
	for d := range files {
		if !needed[d] {
			t.Errorf("unreferenced blob %s survived", d)
		}
	}
	for d := range needed {
		if !files[d] {
			t.Errorf("needed blob %s is gone", d)
		}
	}
}

// removeAll drops ref from mine and every other tag of the same digest
// from tagged: deleting a manifest by digest deletes all its tags.
func removeAll(mine []string, ref string, tagged map[string]ggcr.Hash, mu *sync.Mutex) []string {
	out := mine[:0]
	for _, m := range mine {
		mu.Lock()
		_, still := tagged[m]
		mu.Unlock()
		if m != ref && still {
			out = append(out, m)
		}
	}
	return out
}

func TestDryRunChangesNothingAndTheRealRunFrees(t *testing.T) {
	e := newEnv(t, time.Minute, Config{})
	l, _ := random.Layer(4096, types.OCILayer)
	if err := remote.WriteLayer(e.ref(t, "app:x").Context(), l); err != nil {
		t.Fatal(err)
	}
	img, _ := random.Image(1024, 1)
	if err := remote.Write(e.ref(t, "app:v1"), img); err != nil {
		t.Fatal(err)
	}
	before := e.files(t)
	e.col.now = func() time.Time { return time.Now().Add(2 * time.Minute) }

	dry, err := e.col.Run(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Links != 1 || dry.Blobs != 1 || dry.FreedBytes == 0 || len(e.files(t)) != len(before) {
		t.Fatalf("dry run = %+v; files %d -> %d", dry, len(before), len(e.files(t)))
	}
	if _, _, ok := e.col.Last(); ok {
		t.Fatal("a dry run counts as a collection")
	}
	rep, err := e.col.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := l.Digest()
	if rep.Blobs != 1 || rep.FreedBytes != dry.FreedBytes || e.files(t)[digest.Digest(d.String())] {
		t.Fatalf("run = %+v", rep)
	}
	d2, _ := img.Digest()
	pullAll(t, e.ref(t, "app:v1"), d2)
}

func TestNothingWithinTheGracePeriodGoes(t *testing.T) {
	e := newEnv(t, time.Hour, Config{})
	l, _ := random.Layer(4096, types.OCILayer)
	if err := remote.WriteLayer(e.ref(t, "app:x").Context(), l); err != nil {
		t.Fatal(err)
	}
	rep, err := e.col.Run(context.Background(), false)
	if err != nil || rep.Links+rep.Blobs+rep.Orphans != 0 {
		t.Fatalf("run = %+v, %v", rep, err)
	}
}

func TestOrphanFilesGo(t *testing.T) {
	e := newEnv(t, time.Minute, Config{})
	data := []byte("left by a crash between placing and recording")
	d := digest.FromBytes(data)
	if _, err := e.blobs.Ingest(strings.NewReader(string(data)), d, nil); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(e.blobs.Path(d), old, old); err != nil {
		t.Fatal(err)
	}
	rep, err := e.col.Run(context.Background(), false)
	if err != nil || rep.Orphans != 1 || e.files(t)[d] {
		t.Fatalf("run = %+v, %v", rep, err)
	}
}

func TestRetentionRunsFirst(t *testing.T) {
	e := newEnv(t, time.Minute, Config{Retention: []meta.RetentionRule{{Repos: "**", Tags: "build-*", Keep: 1}}})
	var last ggcr.Hash
	for i := range 3 {
		img, _ := random.Image(512, 1)
		if err := remote.Write(e.ref(t, fmt.Sprintf("app:build-%d", i)), img); err != nil {
			t.Fatal(err)
		}
		last, _ = img.Digest()
		time.Sleep(5 * time.Millisecond) // distinct push times
	}
	rep, err := e.col.Run(context.Background(), false)
	if err != nil || len(rep.Expired) != 2 {
		t.Fatalf("run = %+v, %v", rep, err)
	}
	pullAll(t, e.ref(t, "app:build-2"), last)
	if _, err := remote.Head(e.ref(t, "app:build-0")); err == nil {
		t.Fatal("build-0 survived retention")
	}
}

func TestOneCollectionAtATime(t *testing.T) {
	e := newEnv(t, time.Minute, Config{})
	e.col.running.Lock()
	defer e.col.running.Unlock()
	if _, err := e.col.Run(context.Background(), false); err != ErrRunning {
		t.Fatalf("Run = %v, want ErrRunning", err)
	}
}

func TestACollectionAfterRefusedDeletesLeavesImagesWhole(t *testing.T) {
	e := newEnv(t, time.Minute, Config{})
	img, _ := random.Image(2048, 2)
	if err := remote.Write(e.ref(t, "app:build-1"), img); err != nil {
		t.Fatal(err)
	}
	idx, _ := random.Index(1024, 1, 2)
	if err := remote.WriteIndex(e.ref(t, "app:multi"), idx); err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	layer, _ := layers[0].Digest()
	im, _ := idx.IndexManifest()
	for _, path := range []string{"/v2/app/blobs/" + layer.String(), "/v2/app/manifests/" + im.Manifests[0].Digest.String()} {
		req := httptest.NewRequest(http.MethodDelete, path, nil)
		w := httptest.NewRecorder()
		e.reg.ServeHTTP(w, req)
		if w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("DELETE %s: %d %s", path, w.Code, w.Body)
		}
	}
	e.col.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	if _, err := e.col.Run(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	pullAll(t, e.ref(t, "app:build-1"), d)
	for _, c := range im.Manifests {
		pullAll(t, e.ref(t, "app@"+c.Digest.String()), c.Digest)
	}
}
