package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	blobstore "github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/registry"
)

// startBerth serves berth's real registry on real stores in a temporary
// directory.
func startBerth(tb testing.TB) Target {
	tb.Helper()
	dir := tb.TempDir()
	db, err := meta.Open(dir + "/meta.db")
	if err != nil {
		tb.Fatal(err)
	}
	blobs, err := blobstore.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(blobs, db, slog.New(slog.NewTextHandler(io.Discard, nil)), registry.Options{}))
	tb.Cleanup(func() {
		srv.Close()
		db.Close()
	})
	t, err := ParseTarget("berth=" + srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestEveryRowRunsAgainstBerth(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	res, err := Run(context.Background(), smallConfig(), []Target{startBerth(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		if c := r.Cells[0]; c.Error != "" || c.Value == nil || *c.Value <= 0 {
			t.Errorf("%s: %+v", r.Label(), c)
		}
	}
}
