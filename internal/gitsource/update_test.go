package gitsource

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setFiles is an Edit that writes files as given.
func setFiles(files map[string][]byte) func(func(string) ([]byte, error)) (map[string][]byte, error) {
	return func(func(string) ([]byte, error)) (map[string][]byte, error) { return files, nil }
}

var author = Signature{Name: "berth", Email: "berth@example.com"}

func TestUpdate(t *testing.T) {
	t.Run("it changes only the files Edit returns, keeping their modes", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"apps/shop.yaml": "image: shop:1\n", "apps/blog.yaml": "image: blog:1\n", "deploy.sh": "#!/bin/sh\n", "old.yaml": "x: 1\n"})
		if err := os.Chmod(filepath.Join(o.work, "deploy.sh"), 0o755); err != nil {
			t.Fatal(err)
		}
		before := o.commit(nil, "make deploy.sh executable")
		r := open(t, Config{Name: "apps", URL: o.url(), Path: "apps"})
		c, err := r.Update(testContext(t), Change{Message: "Update shop", Author: author, Edit: func(read func(string) ([]byte, error)) (map[string][]byte, error) {
			shop, err := read("apps/shop.yaml")
			if err != nil {
				return nil, err
			}
			return map[string][]byte{
				"apps/shop.yaml":       []byte(strings.ReplaceAll(string(shop), "shop:1", "shop:2")),
				"deploy.sh":            []byte("#!/bin/sh\necho 2\n"),
				"apps/new/extra.yaml":  []byte("new: 1\n"),
				"old.yaml":             nil,
				"never/was/there.yaml": nil,
			}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Hash != o.tip() {
			t.Fatalf("Update returned %s, the branch is at %s", c.Hash, o.tip())
		}
		if parent := o.bareGit("rev-parse", c.Hash+"^"); parent != before {
			t.Errorf("the commit's parent is %s, want %s", parent, before)
		}
		changed := o.bareGit("diff", "--name-status", before, c.Hash)
		want := "A\tapps/new/extra.yaml\nM\tapps/shop.yaml\nM\tdeploy.sh\nD\told.yaml"
		if changed != want {
			t.Errorf("changed:\n%s\nwant:\n%s", changed, want)
		}
		if got := o.bareGit("show", c.Hash+":apps/shop.yaml"); got != "image: shop:2" {
			t.Errorf("apps/shop.yaml holds %q", got)
		}
		modes := o.bareGit("ls-tree", "-r", c.Hash)
		for _, line := range []string{"100755 blob", "deploy.sh", "100644 blob"} {
			if !strings.Contains(modes, line) {
				t.Errorf("tree:\n%s\nlacks %q", modes, line)
			}
		}
		if !strings.Contains(modes, "100755 blob "+o.bareGit("rev-parse", c.Hash+":deploy.sh")+"\tdeploy.sh") {
			t.Errorf("deploy.sh lost its mode:\n%s", modes)
		}
		if fsck := o.bareGit("fsck", "--strict"); strings.Contains(fsck, "error") {
			t.Errorf("fsck: %s", fsck)
		}
		files, err := r.Files(testContext(t), c.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(paths(files), " "); got != "apps/blog.yaml apps/new/extra.yaml apps/shop.yaml" {
			t.Errorf("files after the update %s", got)
		}
	})
	t.Run("the commit's author, committer and message are as given", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		msg := "Update a to 2\n\nImage a:2 matched the policy."
		c, err := r.Update(testContext(t), Change{Message: msg, Author: author, Edit: setFiles(map[string][]byte{"a.yaml": []byte("a: 2\n")})})
		if err != nil {
			t.Fatal(err)
		}
		got := o.bareGit("show", "-s", "--format=%an <%ae>|%cn <%ce>|%B", c.Hash)
		if want := "berth <berth@example.com>|berth <berth@example.com>|" + msg; got != want {
			t.Errorf("commit %q, want %q", got, want)
		}
		if c.Author != "berth <berth@example.com>" || c.Message != msg+"\n" || c.When.IsZero() {
			t.Errorf("Update returned %+v", c)
		}
		log, err := r.Log(testContext(t), "", "", 1)
		if err != nil || len(log) != 1 || log[0].Hash != c.Hash {
			t.Errorf("the tip last fetched is %+v %v, want the commit pushed", log, err)
		}
	})
	t.Run("a commit pushed meanwhile is kept: Edit runs again on the new tip", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"apps/shop.yaml": "image: shop:1\n", "apps/blog.yaml": "image: blog:1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		var competing string
		var seen []string
		c, err := r.Update(testContext(t), Change{Message: "Update shop", Author: author, Edit: func(read func(string) ([]byte, error)) (map[string][]byte, error) {
			blog, err := read("apps/blog.yaml")
			if err != nil {
				return nil, err
			}
			seen = append(seen, string(blog))
			if competing == "" {
				competing = o.commit(map[string]string{"apps/blog.yaml": "image: blog:2\n"}, "Update blog by hand")
			}
			return map[string][]byte{"apps/shop.yaml": []byte("image: shop:2\n")}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 || seen[0] != "image: blog:1\n" || seen[1] != "image: blog:2\n" {
			t.Errorf("Edit read blog.yaml as %q, want blog:1 then blog:2", seen)
		}
		if got := o.bareGit("log", "--format=%H", "-n", "2", "main"); got != c.Hash+"\n"+competing {
			t.Errorf("history:\n%s\nwant %s on top of %s", got, c.Hash, competing)
		}
		if got := o.bareGit("show", c.Hash+":apps/blog.yaml"); got != "image: blog:2" {
			t.Errorf("the competing change is lost: blog.yaml holds %q", got)
		}
		if got := o.bareGit("show", c.Hash+":apps/shop.yaml"); got != "image: shop:2" {
			t.Errorf("shop.yaml holds %q", got)
		}
	})
	t.Run("a branch others push to on every try gives ErrConflict", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 0\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		calls := 0
		before := o.tip()
		_, err := r.Update(testContext(t), Change{Message: "Update a", Author: author, Edit: func(func(string) ([]byte, error)) (map[string][]byte, error) {
			calls++
			o.commit(map[string]string{"b.yaml": strings.Repeat("b", calls) + "\n"}, "meanwhile")
			return map[string][]byte{"a.yaml": []byte("a: 2\n")}, nil
		}})
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("error %v, want ErrConflict", err)
		}
		if calls != maxAttempts {
			t.Errorf("Edit ran %d times, want %d", calls, maxAttempts)
		}
		if n := o.bareGit("rev-list", "--count", before+"..main"); n != "5" {
			t.Errorf("%s commits on main since, want only the 5 others pushed", n)
		}
		if got := o.bareGit("show", "main:a.yaml"); got != "a: 1" {
			t.Errorf("a.yaml holds %q", got)
		}
	})
	t.Run("an Edit that changes nothing gives ErrNothingToCommit and pushes nothing", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		before := o.tip()
		for name, edits := range map[string]map[string][]byte{
			"no edits":                  nil,
			"the same content":          {"a.yaml": []byte("a: 1\n")},
			"removing a file not there": {"b.yaml": nil, "a.yaml/c": nil},
		} {
			_, err := r.Update(testContext(t), Change{Message: "nothing", Author: author, Edit: setFiles(edits)})
			if !errors.Is(err, ErrNothingToCommit) {
				t.Errorf("%s: error %v, want ErrNothingToCommit", name, err)
			}
		}
		if o.tip() != before {
			t.Errorf("main moved to %s", o.tip())
		}
	})
	t.Run("read gives fs.ErrNotExist for a missing file", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"apps/a.yaml": "a: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		_, err := r.Update(testContext(t), Change{Message: "x", Author: author, Edit: func(read func(string) ([]byte, error)) (map[string][]byte, error) {
			for _, p := range []string{"apps/b.yaml", "nope/a.yaml", "apps/a.yaml/x"} {
				if _, err := read(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("read(%q): %v, want fs.ErrNotExist", p, err)
				}
			}
			if _, err := read("apps"); err == nil || errors.Is(err, fs.ErrNotExist) {
				t.Errorf("read of a directory: %v", err)
			}
			return nil, nil
		}})
		if !errors.Is(err, ErrNothingToCommit) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("an Edit's error is returned and nothing is pushed", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		before := o.tip()
		boom := errors.New("boom")
		_, err := r.Update(testContext(t), Change{Message: "x", Author: author, Edit: func(func(string) ([]byte, error)) (map[string][]byte, error) { return nil, boom }})
		if !errors.Is(err, boom) || o.tip() != before {
			t.Errorf("error %v, tip %s", err, o.tip())
		}
	})
	t.Run("paths outside the tree or into .git are refused", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		before := o.tip()
		for _, p := range []string{"", "/a.yaml", "../a.yaml", "a/../b.yaml", "a//b", "a/", ".git/config", "x/.GIT/y", "./a.yaml", "bad\x01name.yaml", `apps\shop.yaml`, "GIT~1/config", ".git./config"} {
			_, err := r.Update(testContext(t), Change{Message: "x", Author: author, Edit: setFiles(map[string][]byte{p: []byte("x")})})
			if err == nil || errors.Is(err, ErrNothingToCommit) {
				t.Errorf("path %q: error %v", p, err)
			}
		}
		for _, edits := range []map[string][]byte{
			{"a.yaml/b": []byte("under a file")},
			{"dir/x.yaml": []byte("x"), "dir": []byte("a file over a directory")},
		} {
			_, err := r.Update(testContext(t), Change{Message: "x", Author: author, Edit: setFiles(edits)})
			if err == nil {
				t.Errorf("edits %q: no error", edits)
			}
		}
		if o.tip() != before {
			t.Errorf("main moved to %s", o.tip())
		}
	})
	t.Run("a change without a message, author or Edit is refused", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		edit := setFiles(map[string][]byte{"a.yaml": []byte("a: 2\n")})
		for _, c := range []Change{{Author: author, Edit: edit}, {Message: "x", Edit: edit}, {Message: "x", Author: author}} {
			if _, err := r.Update(testContext(t), c); err == nil {
				t.Errorf("change %+v: no error", c)
			}
		}
	})
	t.Run("removing every file of a directory removes the directory", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n", "d/e/f.yaml": "f: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.url()})
		c, err := r.Update(testContext(t), Change{Message: "remove f", Author: author, Edit: setFiles(map[string][]byte{"d/e/f.yaml": nil})})
		if err != nil {
			t.Fatal(err)
		}
		if got := o.bareGit("ls-tree", "-r", "-t", "--name-only", c.Hash); got != "a.yaml" {
			t.Errorf("tree %q, want only a.yaml", got)
		}
	})
}
