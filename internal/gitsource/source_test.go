package gitsource

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var appFiles = map[string]string{
	"README.md":                   "not an app\n",
	"apps/shop.yaml":              "name: shop\n",
	"apps/blog.yml":               "name: blog\n",
	"apps/notes.txt":              "not yaml\n",
	"apps/team/admin.yaml":        "name: admin\n",
	"apps/team/deep/metrics.YAML": "name: metrics\n",
	"other/outside.yaml":          "name: outside\n",
	"apps.yaml":                   "name: beside\n",
}

func TestFileSource(t *testing.T) {
	t.Run("Open clones the branch into a private directory", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		dir := filepath.Join(t.TempDir(), "source")
		r, err := Open(testContext(t), dir, Config{Name: "apps", URL: o.url()}, discard())
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{dir, filepath.Join(dir, cloneName)} {
			fi, err := os.Stat(d)
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("directory %s: %v %v, want mode 0700", d, fi, err)
			}
		}
		tip, err := r.Fetch(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		if tip.Hash != o.tip() || tip.Message != "first\n" || tip.Author != "Tester <tester@example.com>" || tip.When.IsZero() {
			t.Errorf("tip %+v, want %s by Tester", tip, o.tip())
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != cloneName {
			t.Errorf("the directory holds %v, want only %s", entries, cloneName)
		}
		if _, err := os.Stat(filepath.Join(dir, cloneName, "HEAD")); err != nil {
			t.Errorf("the clone is not bare: %v", err)
		}
	})
	t.Run("Fetch sees new commits", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: o.url()})
		second := o.commit(map[string]string{"apps/shop.yaml": "name: shop\nservices: {}\n"}, "second")
		tip, err := r.Fetch(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		if tip.Hash != second || tip.Message != "second\n" {
			t.Errorf("tip %+v, want %s", tip, second)
		}
		again, err := r.Fetch(testContext(t))
		if err != nil || again.Hash != second {
			t.Errorf("a fetch with nothing new: %+v %v", again, err)
		}
	})
	t.Run("Fetch follows a branch that was force-pushed back", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		first := o.tip()
		o.commit(map[string]string{"apps/shop.yaml": "name: shop2\n"}, "second")
		r := open(t, Config{Name: "apps", URL: o.url()})
		o.run(o.work, "push", "-q", "--force", "origin", first+":refs/heads/main")
		tip, err := r.Fetch(testContext(t))
		if err != nil || tip.Hash != first {
			t.Errorf("tip %+v %v, want %s", tip, err, first)
		}
	})
	t.Run("Files lists only the YAML files under the path, recursively and sorted", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: o.url(), Path: "apps/"})
		files, err := r.Files(testContext(t), o.tip())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"apps/blog.yml", "apps/shop.yaml", "apps/team/admin.yaml", "apps/team/deep/metrics.YAML"}
		if got := paths(files); !reflect.DeepEqual(got, want) {
			t.Errorf("files %q, want %q", got, want)
		}
		if string(files[1].Data) != "name: shop\n" {
			t.Errorf("apps/shop.yaml holds %q", files[1].Data)
		}
	})
	t.Run("Files at the root lists every YAML file", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		for _, p := range []string{"", "."} {
			r := open(t, Config{Name: "apps", URL: o.url(), Path: p})
			files, err := r.Files(testContext(t), o.tip())
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"apps.yaml", "apps/blog.yml", "apps/shop.yaml", "apps/team/admin.yaml", "apps/team/deep/metrics.YAML", "other/outside.yaml"}
			if got := paths(files); !reflect.DeepEqual(got, want) {
				t.Errorf("path %q: files %q, want %q", p, got, want)
			}
		}
	})
	t.Run("Files reads an older commit", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		first := o.tip()
		o.commit(map[string]string{"apps/shop.yaml": "", "apps/new.yaml": "name: new\n"}, "second")
		r := open(t, Config{Name: "apps", URL: o.url(), Path: "apps"})
		files, err := r.Files(testContext(t), first)
		if err != nil {
			t.Fatal(err)
		}
		if got := paths(files); !reflect.DeepEqual(got, []string{"apps/blog.yml", "apps/shop.yaml", "apps/team/admin.yaml", "apps/team/deep/metrics.YAML"}) {
			t.Errorf("files at the first commit %q", got)
		}
	})
	t.Run("Files refuses a file over 1 MiB, naming it", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"apps/big.yaml": strings.Repeat("x", MaxFileSize+1), "apps/small.yaml": "a: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url(), Path: "apps"})
		_, err := r.Files(testContext(t), o.tip())
		var tooLarge *FileTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Path != "apps/big.yaml" || !strings.Contains(err.Error(), "apps/big.yaml") {
			t.Errorf("error %v, want a FileTooLargeError naming apps/big.yaml", err)
		}
	})
	t.Run("Files refuses a symbolic link, naming it", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"apps/shop.yaml": "a: 1\n"})
		if err := os.Symlink("shop.yaml", filepath.Join(o.work, "apps", "link.yaml")); err != nil {
			t.Fatal(err)
		}
		o.commit(nil, "link")
		r := open(t, Config{Name: "apps", URL: o.url(), Path: "apps"})
		if _, err := r.Files(testContext(t), o.tip()); err == nil || !strings.Contains(err.Error(), "apps/link.yaml") {
			t.Errorf("error %v, want one naming apps/link.yaml", err)
		}
	})
	t.Run("Files of a path the commit lacks, or of no commit, is an error", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: o.url(), Path: "missing"})
		if _, err := r.Files(testContext(t), o.tip()); err == nil || !strings.Contains(err.Error(), "missing") {
			t.Errorf("error %v, want one naming the path", err)
		}
		for _, h := range []string{"", "main", "0123", strings.Repeat("0", 40)} {
			if _, err := r.Files(testContext(t), h); err == nil {
				t.Errorf("Files(%q) gave no error", h)
			}
		}
	})
	t.Run("Open of a branch the source lacks gives ErrBranchUnknown", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		dir := filepath.Join(t.TempDir(), "source")
		_, err := Open(testContext(t), dir, Config{Name: "apps", URL: o.url(), Branch: "prod"}, discard())
		if !errors.Is(err, ErrBranchUnknown) {
			t.Errorf("error %v, want ErrBranchUnknown", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("a failed clone left %v", entries)
		}
	})
	t.Run("Fetch of a branch removed since gives ErrBranchUnknown", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		o.run(o.work, "push", "-q", "origin", "main:prod")
		r := open(t, Config{Name: "apps", URL: o.url(), Branch: "prod"})
		o.run(o.work, "push", "-q", "origin", ":prod")
		if _, err := r.Fetch(testContext(t)); !errors.Is(err, ErrBranchUnknown) {
			t.Errorf("error %v, want ErrBranchUnknown", err)
		}
	})
	t.Run("an absolute local path is a source", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: o.bare})
		if tip, err := r.Fetch(testContext(t)); err != nil || tip.Hash != o.tip() {
			t.Errorf("tip %+v %v, want %s", tip, err, o.tip())
		}
	})
	t.Run("a cancelled context ends Fetch and Update with its error", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: o.url()})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := r.Fetch(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) {
			t.Errorf("Fetch: error %v, want context.Canceled", err)
		}
		_, err := r.Update(ctx, Change{Message: "x", Author: author, Edit: setFiles(map[string][]byte{"a.yaml": []byte("a")})})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update: error %v, want context.Canceled", err)
		}
	})
	t.Run("a missing repository is an error naming the source", func(t *testing.T) {
		_, err := Open(testContext(t), t.TempDir(), Config{Name: "apps", URL: "file://" + filepath.Join(t.TempDir(), "none.git")}, discard())
		if err == nil || !strings.Contains(err.Error(), "apps") {
			t.Errorf("error %v", err)
		}
	})
}

func TestLog(t *testing.T) {
	o := newOrigin(t, appFiles)
	first := o.tip()
	second := o.commit(map[string]string{"apps/shop.yaml": "v: 2\n"}, "second")
	third := o.commit(map[string]string{"apps/shop.yaml": "v: 3\n"}, "third")
	fourth := o.commit(map[string]string{"apps/shop.yaml": "v: 4\n"}, "fourth")
	r := open(t, Config{Name: "apps", URL: o.url()})
	hashes := func(cs []Commit) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Hash)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		from, to string
		n        int
		want     []string
	}{
		{"all commits up to the tip, newest first", "", fourth, 0, []string{fourth, third, second, first}},
		{"the tip last fetched when to is empty", "", "", 10, []string{fourth, third, second, first}},
		{"at most n", "", fourth, 2, []string{fourth, third}},
		{"from is excluded", second, fourth, 10, []string{fourth, third}},
		{"from equal to to gives nothing", fourth, fourth, 10, nil},
		{"from newer than to gives nothing", fourth, second, 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Log(testContext(t), tc.from, tc.to, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(hashes(got), tc.want) {
				t.Errorf("log %q, want %q", hashes(got), tc.want)
			}
		})
	}
	t.Run("a merged branch shows only what from lacks", func(t *testing.T) {
		// side forks from second; main moves on to fifth; side is merged.
		o.run(o.work, "checkout", "-q", "-b", "side", second)
		side := o.commit2("apps/blog.yml", "side\n", "side")
		o.run(o.work, "checkout", "-q", "main")
		fifth := o.commit(map[string]string{"apps/shop.yaml": "v: 5\n"}, "fifth")
		o.run(o.work, "merge", "-q", "--no-ff", "-m", "merge side", "side")
		o.run(o.work, "push", "-q", "origin", "main")
		merge := o.tip()
		if _, err := r.Fetch(testContext(t)); err != nil {
			t.Fatal(err)
		}
		got, err := r.Log(testContext(t), third, merge, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{merge: true, fifth: true, fourth: true, side: true}
		if len(got) != len(want) || got[0].Hash != merge {
			t.Fatalf("log %q, want %v with the merge first", hashes(got), want)
		}
		for _, c := range got {
			if !want[c.Hash] {
				t.Errorf("log holds %s, which %s has", c.Hash, third)
			}
		}
	})
	t.Run("an unknown commit is an error", func(t *testing.T) {
		if _, err := r.Log(testContext(t), "", strings.Repeat("1", 40), 1); err == nil {
			t.Error("no error")
		}
	})
}
