package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func startRegistry(tb testing.TB, name string, m *memRegistry) Target {
	tb.Helper()
	srv := httptest.NewServer(m)
	tb.Cleanup(srv.Close)
	t, err := ParseTarget(name + "=" + srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	t.Client = NewClient(8)
	return t
}

func smallConfig() Config {
	return Config{
		BlobSize:         1 << 20,
		SmallBlobs:       50,
		SmallSize:        1 << 10,
		SmallConcurrency: 4,
		Clients:          4,
		Duration:         100 * time.Millisecond,
		Tags:             45,
		Repeat:           3,
	}
}

// cellsOf returns the cells of every row of the measurement key, failing
// when there is none.
func cellsOf(tb testing.TB, res *Result, key string) [][]Cell {
	tb.Helper()
	var out [][]Cell
	for _, r := range res.Rows {
		if r.Key == key {
			out = append(out, r.Cells)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no %s row in the result", key)
	}
	return out
}

func TestRun(t *testing.T) {
	t.Run("every row is measured on every target, in table order", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		targets := []Target{
			startRegistry(t, "a", newMemRegistry(10)),
			startRegistry(t, "b", newMemRegistry(1000)),
		}
		res, err := Run(context.Background(), smallConfig(), targets, nil)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range res.Rows {
			keys = append(keys, r.Key)
			for i, c := range r.Cells {
				if c.Error != "" || c.Value == nil || *c.Value <= 0 {
					t.Errorf("%s on %s: %+v", r.Label(), res.Targets[i].Name, c)
				}
			}
		}
		want := "sha256 push push pull small manifest manifest manifest tags"
		if got := strings.Join(keys, " "); got != want {
			t.Fatalf("rows %q, want %q", got, want)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("temporary files left behind: %v", left)
		}
	})

	t.Run("a failing row is marked and the other rows and targets still run", func(t *testing.T) {
		broken := newMemRegistry(10)
		broken.failManifests = true
		targets := []Target{startRegistry(t, "broken", broken), startRegistry(t, "ok", newMemRegistry(10))}
		cfg := smallConfig()
		cfg.Only = []string{KeyManifest, KeyTags}
		res, err := Run(context.Background(), cfg, targets, nil)
		if !errors.Is(err, ErrRowsFailed) {
			t.Fatalf("error = %v, want ErrRowsFailed", err)
		}
		for _, cells := range cellsOf(t, res, KeyManifest) {
			if !strings.Contains(cells[0].Error, "500") || cells[0].Value != nil {
				t.Errorf("broken manifest cell = %+v, want a 500 error", cells[0])
			}
			if cells[1].Value == nil {
				t.Errorf("healthy manifest cell = %+v, want a value", cells[1])
			}
		}
		for _, cells := range cellsOf(t, res, KeyTags) {
			if cells[0].Value == nil || cells[1].Value == nil {
				t.Errorf("tags cells = %+v, want values", cells)
			}
		}
	})

	t.Run("a pull without a push pushes the blob first", func(t *testing.T) {
		cfg := smallConfig()
		cfg.Only = []string{KeyPull}
		res, err := Run(context.Background(), cfg, []Target{startRegistry(t, "a", newMemRegistry(10))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 1 || res.Rows[0].Cells[0].Value == nil {
			t.Fatalf("rows = %+v", res.Rows)
		}
	})

	t.Run("a push without sha256 has no percentage row", func(t *testing.T) {
		cfg := smallConfig()
		cfg.Only = []string{KeyPush}
		res, err := Run(context.Background(), cfg, []Target{startRegistry(t, "a", newMemRegistry(10))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 1 {
			t.Fatalf("got %d rows, want only push", len(res.Rows))
		}
	})

	t.Run("a cancelled run stops with the context's error and cleans up", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		cfg := smallConfig()
		cfg.Only = []string{KeyPush, KeyTags}
		_, err := Run(ctx, cfg, []Target{startRegistry(t, "a", newMemRegistry(10))}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("temporary files left behind: %v", left)
		}
	})

	t.Run("an unknown measurement is refused before anything runs", func(t *testing.T) {
		cfg := smallConfig()
		cfg.Only = []string{"push", "teleport"}
		if _, err := Run(context.Background(), cfg, []Target{{Name: "x"}}, nil); err == nil || !strings.Contains(err.Error(), "teleport") {
			t.Fatalf("error = %v, want one naming teleport", err)
		}
	})

	t.Run("no targets is an error", func(t *testing.T) {
		if _, err := Run(context.Background(), smallConfig(), nil, nil); !errors.Is(err, ErrNoTargets) {
			t.Fatalf("error = %v, want ErrNoTargets", err)
		}
	})
}

func TestWriteTable(t *testing.T) {
	v := 1234.5678
	res := &Result{
		Machine: Machine{CPUs: 8, OS: "linux", Arch: "amd64", CPU: "Some CPU", Go: "go1.x"},
		Targets: []TargetInfo{{Name: "berth"}, {Name: "distribution"}, {Name: "third"}},
		Rows: []*Row{{
			Name: "push 1 GiB", Unit: "MB/s", digits: 1,
			Cells: []Cell{{Value: &v}, {Error: "boom"}, {}},
		}},
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, res); err != nil {
		t.Fatal(err)
	}
	want := "machine: 8 CPUs, linux/amd64, Some CPU, go1.x\n\n" +
		"row                 berth    distribution   third\n" +
		"push 1 GiB (MB/s)   1234.6   error          -\n"
	if buf.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestWriteJSONKeepsErrorsAndValues(t *testing.T) {
	v := 2.5
	res := &Result{Targets: []TargetInfo{{Name: "a"}, {Name: "b"}}, Rows: []*Row{{
		Key: KeyPush, Name: "push 1 GiB", Unit: "MB/s", Cells: []Cell{{Value: &v}, {Error: "boom"}},
	}}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	cells := back.Rows[0].Cells
	if cells[0].Value == nil || *cells[0].Value != 2.5 || cells[1].Error != "boom" {
		t.Fatalf("cells after a round trip = %+v", cells)
	}
}
