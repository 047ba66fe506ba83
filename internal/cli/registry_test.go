package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/gc"
	"github.com/berth-dev/berth/internal/meta"
)

// startAPI serves berth's admin API on real stores.
func startAPI(t *testing.T) (string, *meta.DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := meta.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := api.New(nil, log)
	a.HandleAudit(db)
	a.HandleGC(gc.New(db, blobs, gc.Config{Grace: time.Minute}, log))
	a.HandleDeliveries(db)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv.URL, db
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestRegistryGC(t *testing.T) {
	url, _ := startAPI(t)
	out, stderr, code := runCLI(t, "registry", "gc", "--dry-run", "--server", url)
	if code != 0 || !strings.Contains(out, "gc would remove 0 blob links") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	out, _, code = runCLI(t, "registry", "gc", "--server", url, "--json")
	if code != 0 || !strings.Contains(out, `"dryRun": false`) {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestRegistryAudit(t *testing.T) {
	url, db := startAPI(t)
	d := digest.FromString("x")
	if err := db.LinkBlob("team/app", d, 1, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.UnlinkBlob("team/app", d, nil, meta.Origin{Actor: "alice", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, "registry", "audit", "--server", url, "--repo", "team/app", "--since", "1h")
	if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "delete-blob") || !strings.Contains(out, "team/app") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	_, stderr, code = runCLI(t, "registry", "audit", "--server", url, "--since", "yesterday")
	if code == 0 || !strings.Contains(stderr, "400") || !strings.Contains(stderr, "since") {
		t.Fatalf("bad --since: exit %d %s", code, stderr)
	}
}

func TestRegistryDeliveries(t *testing.T) {
	url, _ := startAPI(t)
	out, stderr, code := runCLI(t, "registry", "deliveries", "--server", url)
	if code != 0 || !strings.Contains(out, "WEBHOOK") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
}

func TestRegistryCommandsExplainAMissingServer(t *testing.T) {
	_, stderr, code := runCLI(t, "registry", "gc", "--server", "http://127.0.0.1:1")
	if code == 0 || !strings.Contains(stderr, "is berth serve running there?") {
		t.Fatalf("exit %d %s", code, stderr)
	}
	t.Setenv(envPassword, "")
	_, stderr, code = runCLI(t, "registry", "audit", "--server", "http://127.0.0.1:1", "--user", "admin")
	if code == 0 || !strings.Contains(stderr, envPassword) {
		t.Fatalf("exit %d %s", code, stderr)
	}
}
