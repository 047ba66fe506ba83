package gitsource

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestOpenRecovers(t *testing.T) {
	// copyClone copies a whole clone made by Open, for the cases to cut
	// short.
	o := newOrigin(t, appFiles)
	whole := filepath.Join(t.TempDir(), "whole")
	if _, err := Open(testContext(t), whole, Config{Name: "apps", URL: o.url()}, discard()); err != nil {
		t.Fatal(err)
	}
	copyClone := func(t *testing.T, to string) {
		t.Helper()
		if out, err := exec.Command("cp", "-a", filepath.Join(whole, cloneName), to).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, out)
		}
	}
	for _, tc := range []struct {
		name string
		// crash leaves in dir what a crash would.
		crash func(t *testing.T, dir string)
		// remade is true when Open must clone again (and say so).
		remade bool
	}{
		{"a clone cut short before its rename is removed", func(t *testing.T, dir string) {
			copyClone(t, filepath.Join(dir, tempPrefix+"123"))
			if err := os.RemoveAll(filepath.Join(dir, tempPrefix+"123", "objects")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a clone with no objects is made again", func(t *testing.T, dir string) {
			copyClone(t, filepath.Join(dir, cloneName))
			if err := os.RemoveAll(filepath.Join(dir, cloneName, "objects", "pack")); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a clone whose tip was never written is made again", func(t *testing.T, dir string) {
			copyClone(t, filepath.Join(dir, cloneName))
			if err := os.RemoveAll(filepath.Join(dir, cloneName, "refs", "remotes")); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dir, cloneName, "packed-refs")); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}, true},
		{"a clone with an empty config is made again", func(t *testing.T, dir string) {
			copyClone(t, filepath.Join(dir, cloneName))
			if err := os.WriteFile(filepath.Join(dir, cloneName, "config"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a directory with only a HEAD is made again", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(dir, cloneName), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, cloneName, "HEAD"), []byte("ref: refs/heads/main\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a file in the clone's place is replaced", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, cloneName), []byte("junk"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a clone of another URL is made again", func(t *testing.T, dir string) {
			other := newOrigin(t, map[string]string{"x.yaml": "x: 1\n"})
			if _, err := Open(testContext(t), dir, Config{Name: "apps", URL: other.url()}, discard()); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "source")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			tc.crash(t, dir)
			var logged bytes.Buffer
			r, err := Open(testContext(t), dir, Config{Name: "apps", URL: o.url()}, slog.New(slog.NewTextHandler(&logged, nil)))
			if err != nil {
				t.Fatal(err)
			}
			tip, err := r.Fetch(testContext(t))
			if err != nil || tip.Hash != o.tip() {
				t.Fatalf("tip %+v %v, want %s", tip, err, o.tip())
			}
			files, err := r.Files(testContext(t), tip.Hash)
			if err != nil || len(files) != 6 {
				t.Errorf("files %q %v", paths(files), err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 || entries[0].Name() != cloneName {
				t.Errorf("the directory holds %v, want only %s", entries, cloneName)
			}
			if said := strings.Contains(logged.String(), "making the clone of the source again"); said != tc.remade {
				t.Errorf("logged %q, want a word of making the clone again: %v", logged.String(), tc.remade)
			}
		})
	}
	t.Run("a whole clone is opened without the source", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		dir := filepath.Join(t.TempDir(), "source")
		if _, err := Open(testContext(t), dir, Config{Name: "apps", URL: o.url()}, discard()); err != nil {
			t.Fatal(err)
		}
		tip := o.tip()
		if err := os.RemoveAll(o.bare); err != nil {
			t.Fatal(err)
		}
		r, err := Open(testContext(t), dir, Config{Name: "apps", URL: o.url()}, discard())
		if err != nil {
			t.Fatal(err)
		}
		if files, err := r.Files(testContext(t), tip); err != nil || len(files) != 6 {
			t.Errorf("files %q %v", paths(files), err)
		}
	})
	t.Run("a clone of another branch is kept and fetches the new one", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		o.run(o.work, "push", "-q", "origin", "main:prod")
		o.commit(nil, "ahead of prod") // main moves on; prod stays
		dir := filepath.Join(t.TempDir(), "source")
		if _, err := Open(testContext(t), dir, Config{Name: "apps", URL: o.url(), Branch: "prod"}, discard()); err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		r, err := Open(testContext(t), dir, Config{Name: "apps", URL: o.url()}, slog.New(slog.NewTextHandler(&logged, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if logged.Len() != 0 {
			t.Errorf("logged %q", logged.String())
		}
		if tip, err := r.Fetch(testContext(t)); err != nil || tip.Hash != o.tip() {
			t.Errorf("tip %+v %v, want main's %s", tip, err, o.tip())
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	o := newOrigin(t, appFiles)
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"a branch name git refuses", Config{URL: o.url(), Branch: "a..b"}, "branch"},
		{"a branch name like an option", Config{URL: o.url(), Branch: "-x"}, "branch"},
		{"a path outside the repository", Config{URL: o.url(), Path: "../x"}, "outside"},
		{"an absolute path", Config{URL: o.url(), Path: "/apps"}, "relative"},
		{"a URL with a password", Config{URL: "https://user:s3cret@example.com/r.git"}, "password"},
		{"a relative local path", Config{URL: "origin.git"}, "absolute"},
		{"SSH without known hosts", Config{URL: "ssh://git@example.com/r.git", Auth: Auth{SSHKey: []byte("k")}}, "known_hosts"},
		{"SSH without a key", Config{URL: "ssh://git@example.com/r.git", Auth: Auth{KnownHosts: []byte("example.com ssh-ed25519 AAAA")}}, "key"},
		{"SSH with a key that is not one", Config{URL: "ssh://git@example.com/r.git", Auth: Auth{SSHKey: []byte("not a key"), SSHKeyPassphrase: "pass-phrase", KnownHosts: []byte("x")}}, "SSH key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Name = "apps"
			dir := filepath.Join(t.TempDir(), "source")
			_, err := Open(testContext(t), dir, tc.cfg, discard())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "apps") {
				t.Fatalf("error %v, want one naming the source and saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "pass-phrase") {
				t.Errorf("error %q holds a secret", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %v", entries)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	o := newOrigin(t, map[string]string{"a.yaml": "a: 0\n"})
	r := open(t, Config{Name: "apps", URL: o.url()})
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 5 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, err := r.Update(testContext(t), Change{Message: "update", Author: author, Edit: setFiles(map[string][]byte{
				"a.yaml": []byte("a: " + strings.Repeat("1", i+1) + "\n"),
			})})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			c, err := r.Fetch(testContext(t))
			if err == nil {
				_, err = r.Files(testContext(t), c.Hash)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := r.Log(testContext(t), "", "", 3)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := o.bareGit("rev-list", "--count", "main"); n != "6" {
		t.Errorf("%s commits on main, want the first and 5 updates", n)
	}
}
