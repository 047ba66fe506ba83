package proxyctl

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/proxy"
)

// savedState reads the state file at path.
func savedState(t testing.TB, path string) proxy.State {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := proxy.ParseState(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSaveWritesAPrivateStateThatRestores(t *testing.T) {
	f := serve(t, shortDir(t), proxy.Options{}, ServerOptions{})
	a := backend(t, "a")
	if err := f.client.Set(route("shop.local", 2, a)); err != nil {
		t.Fatal(err)
	}
	f.get(t, "shop.local", "/")
	if err := f.client.Save(background(t)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(f.state)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v, want 0600: it holds the sticky key", fi.Mode().Perm())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(f.state), "."+filepath.Base(f.state)+".tmp-*"))
	if len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	p := proxy.New(proxy.Options{}, nil)
	defer p.Close()
	ok, err := RestoreFile(p, f.state, nil)
	if err != nil || !ok {
		t.Fatalf("RestoreFile = %v, %v, want a restore", ok, err)
	}
	if got := p.Stats("shop.local", "blue", 2, time.Minute); got.Requests != 1 {
		t.Fatalf("restored stats %+v, want the request served before", got)
	}
	if rs := p.Routes(); len(rs) != 1 || rs[0].Host != "shop.local" {
		t.Fatalf("restored routes %+v, want shop.local", rs)
	}
}

func TestRestoreFile(t *testing.T) {
	t.Run("a missing file restores nothing and is no error", func(t *testing.T) {
		p := proxy.New(proxy.Options{}, nil)
		defer p.Close()
		if ok, err := RestoreFile(p, filepath.Join(t.TempDir(), "state.json"), nil); ok || err != nil {
			t.Fatalf("RestoreFile = %v, %v, want false, nil", ok, err)
		}
	})
	for name, data := range map[string]string{
		"a corrupt file":          `{"version":1,"routes":[{"host":`,
		"a file of a bad state":   `{"version":1,"routes":[{"host":"a","sets":[{"name":"x","weight":500}]}]}`,
		"a file of a new version": `{"version":99}`,
	} {
		t.Run(name+" is moved aside and the proxy starts empty", func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.json")
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			p := proxy.New(proxy.Options{}, nil)
			defer p.Close()
			ok, err := RestoreFile(p, path, slog.New(slog.NewTextHandler(&log, nil)))
			if ok || err != nil {
				t.Fatalf("RestoreFile = %v, %v, want false, nil", ok, err)
			}
			if len(p.Routes()) != 0 {
				t.Fatalf("routes %v, want none", p.Routes())
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the state file is still there: %v", err)
			}
			aside, _ := filepath.Glob(path + ".corrupt-*")
			if len(aside) != 1 {
				t.Fatalf("files moved aside: %v, want one", aside)
			}
			if kept, _ := os.ReadFile(aside[0]); string(kept) != data {
				t.Fatalf("moved aside %q, want %q", kept, data)
			}
			if !strings.Contains(log.String(), "moved it aside") {
				t.Fatalf("log %q, want the move said", log.String())
			}
		})
	}
}

func TestRunSavesChangesAndStats(t *testing.T) {
	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	f := serve(t, shortDir(t), proxy.Options{OnChange: notify}, ServerOptions{Changed: changed})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.srv.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	a := backend(t, "a")

	t.Run("a route set is saved", func(t *testing.T) {
		if err := f.client.Set(route("shop.local", 1, a)); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the route to be saved", func() bool {
			data, err := os.ReadFile(f.state)
			return err == nil && strings.Contains(string(data), `"shop.local"`)
		})
	})
	t.Run("many changes close together are saved together", func(t *testing.T) {
		// Held open, the file keeps its inode, which a later save could
		// otherwise be given and look like the same file.
		held, err := os.Open(f.state)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		fi, err := held.Stat()
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			if err := f.client.Set(route("shop.local", i+2, a)); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "the last revision to be saved", func() bool {
			rs := savedState(t, f.state).Routes
			return len(rs) == 1 && rs[0].Sets[0].Revision == 21
		})
		if later, err := os.Stat(f.state); err != nil || os.SameFile(fi, later) {
			t.Fatalf("the state file was not replaced: %v", err)
		}
	})
	t.Run("requests are saved within a second or two", func(t *testing.T) {
		for range 3 {
			if status, _ := f.get(t, "shop.local", "/"); status != http.StatusOK {
				t.Fatalf("answered %d", status)
			}
		}
		eventually(t, "the stats to be saved", func() bool {
			for _, st := range savedState(t, f.state).Stats {
				var n uint32
				for _, sec := range st.Seconds {
					n += sec.Requests
				}
				if st.Revision == 21 && n == 3 {
					return true
				}
			}
			return false
		})
	})
}
