package gitsource

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	o := newOrigin(t, map[string]string{
		"README.md":             "top\n",
		"apps/shop.yaml":        "name: shop\n",
		"apps/team/deep/x.env":  "A=1\n",
		"apps/big.yaml":         strings.Repeat("x", MaxFileSize+1),
		"apps/exactly-max.yaml": strings.Repeat("y", MaxFileSize),
	})
	for link, target := range map[string]string{"apps/link.yaml": "shop.yaml", "apps/linkdir": "team"} {
		if err := os.Symlink(target, filepath.Join(o.work, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	// A submodule is a gitlink in the index; commit it by hand, since
	// commit's add -A would drop it for want of a checkout.
	o.run(o.work, "add", "-A")
	o.run(o.work, "update-index", "--add", "--cacheinfo", "160000,"+o.tip()+",apps/sub")
	o.run(o.work, "commit", "-q", "-m", "links and a submodule")
	o.run(o.work, "push", "-q", "origin", "main")
	tip := o.tip()
	// The source's path does not change what Read's paths are relative to.
	r := open(t, Config{Name: "apps", URL: o.url(), Path: "apps"})

	tests := []struct {
		name string
		path string
		want string
		// wantErr is what the error must say; "" for none.
		wantErr  string
		notExist bool
	}{
		{name: "a file at the root", path: "README.md", want: "top\n"},
		{name: "a file in a directory", path: "apps/shop.yaml", want: "name: shop\n"},
		{name: "a nested file", path: "apps/team/deep/x.env", want: "A=1\n"},
		{name: "a path that cleans to a file", path: "apps/./team/../shop.yaml", want: "name: shop\n"},
		{name: "a file of exactly MaxFileSize", path: "apps/exactly-max.yaml", want: strings.Repeat("y", MaxFileSize)},
		{name: "a missing file", path: "apps/none.yaml", wantErr: "apps/none.yaml", notExist: true},
		{name: "a missing directory", path: "apps/none/x.yaml", wantErr: "apps/none", notExist: true},
		{name: "a missing top directory", path: "none/deeper/x.yaml", wantErr: "directory none:", notExist: true},
		{name: "a file where a directory should be", path: "README.md/x", wantErr: "README.md is a file", notExist: true},
		{name: "a directory", path: "apps/team", wantErr: "apps/team at commit " + tip + ": it is a directory"},
		{name: "a symbolic link", path: "apps/link.yaml", wantErr: "apps/link.yaml at commit " + tip + ": it is a symbolic link"},
		{name: "a symbolic link on the way", path: "apps/linkdir/deep/x.env", wantErr: "apps/linkdir is a symbolic link"},
		{name: "a submodule", path: "apps/sub", wantErr: "it is a submodule"},
		{name: "a file inside a submodule", path: "apps/sub/x.yaml", wantErr: "apps/sub is a submodule"},
		{name: "an absolute path", path: "/apps/shop.yaml", wantErr: "relative to the repository's root"},
		{name: "a path escaping the root", path: "../etc/passwd", wantErr: "outside the repository"},
		{name: "a path escaping the root once cleaned", path: "apps/../../x.yaml", wantErr: "outside the repository"},
		{name: "a backslash", path: `apps\shop.yaml`, wantErr: "slash-separated"},
		{name: "the root", path: ".", wantErr: "names the repository's root"},
		{name: "an empty path", path: "", wantErr: "names the repository's root"},
		{name: "a path inside .git", path: ".git/config", wantErr: "inside .git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Read(testContext(t), tip, tt.path)
			if tt.wantErr == "" {
				if err != nil || string(got) != tt.want {
					t.Fatalf("Read(%q) = %.40q, %v; want %.40q", tt.path, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Read(%q) = %.40q, %v; want an error with %q", tt.path, got, err, tt.wantErr)
			}
			if errors.Is(err, fs.ErrNotExist) != tt.notExist {
				t.Errorf("Read(%q): errors.Is(%v, fs.ErrNotExist) = %t, want %t", tt.path, err, !tt.notExist, tt.notExist)
			}
		})
	}

	t.Run("a file over MaxFileSize is a FileTooLargeError naming it", func(t *testing.T) {
		_, err := r.Read(testContext(t), tip, "apps/big.yaml")
		var tooLarge *FileTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Path != "apps/big.yaml" || tooLarge.Size != MaxFileSize+1 {
			t.Errorf("error %v, want a FileTooLargeError for apps/big.yaml of %d bytes", err, MaxFileSize+1)
		}
	})
	t.Run("an older commit is read as it was", func(t *testing.T) {
		first := o.bareGit("rev-parse", "main~1")
		second := o.commit(map[string]string{"apps/shop.yaml": "name: shop2\n"}, "second")
		if _, err := r.Fetch(testContext(t)); err != nil {
			t.Fatal(err)
		}
		for hash, want := range map[string]string{first: "name: shop\n", second: "name: shop2\n"} {
			if got, err := r.Read(testContext(t), hash, "apps/shop.yaml"); err != nil || string(got) != want {
				t.Errorf("Read at %s = %q, %v; want %q", hash, got, err, want)
			}
		}
	})
	t.Run("a hash that is not a commit is an error", func(t *testing.T) {
		for _, h := range []string{"", "main", strings.Repeat("0", 40)} {
			if _, err := r.Read(testContext(t), h, "README.md"); err == nil {
				t.Errorf("Read at %q gave no error", h)
			}
		}
	})
	t.Run("a cancelled context ends Read with its error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := r.Read(ctx, tip, "README.md"); !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
}
