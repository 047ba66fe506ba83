package gitsource

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/memory"
)

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"file:///srv/apps.git", "/srv/apps.git", "https://git.example.com/org/apps.git", "http://localhost:3000/a.git",
		"http://[::1]/a.git", "ssh://git@github.com/org/apps.git", "git@github.com:org/apps.git", "host:apps.git",
		"git@127.0.0.1:2222:/srv/apps.git", "https://user:secret@example.com/a.git", "user:secret@host:a.git",
		"git://example.com/a.git", "./a.git", "a.git", "ssh://-oProxyCommand=x/a", "file://host/a", "https://h/a?x=1",
		"ssh://[fe80::1%25eth0]:22/a", "HTTPS://Example.com/A.git", "", "://", "a://b", "@:", "[::1]:a",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := parseURL(raw)
		if err != nil {
			// Errors never quote the URL, which might hold a secret.
			if len(raw) > 40 && strings.Contains(err.Error(), raw) {
				t.Fatalf("parseURL(%q): error %q quotes the URL", raw, err)
			}
			return
		}
		switch r.protocol {
		case "file":
			if r.host != "" || r.user != "" || r.port != 0 {
				t.Fatalf("parseURL(%q) = %+v: a file URL with a host", raw, r)
			}
		case "http":
			if !isLoopback(r.host) {
				t.Fatalf("parseURL(%q) = %+v: http to a host not loopback", raw, r)
			}
		case "https", "ssh":
		default:
			t.Fatalf("parseURL(%q) = %+v: protocol %q", raw, r, r.protocol)
		}
		if r.protocol != "file" && (!validHost(r.host) || strings.Contains(r.user, ":")) {
			t.Fatalf("parseURL(%q) = %+v: a host or user that is not valid", raw, r)
		}
		if r.url != raw {
			t.Fatalf("parseURL(%q) = %+v: the URL changed", raw, r)
		}
		// go-git reads the URL as parseURL does, and dials what it said.
		ep, err := transport.NewEndpoint(r.url)
		if err != nil {
			t.Fatalf("parseURL(%q) accepted what go-git refuses: %v", raw, err)
		}
		if ep.Password != "" || ep.Protocol != r.protocol || r.protocol != "file" && (ep.Host != r.host || ep.Port != r.port || ep.User != r.user) {
			t.Fatalf("parseURL(%q) = %+v, go-git reads %+v", raw, r, ep)
		}
		if again, err := parseURL(r.url); err != nil || again != r {
			t.Fatalf("parseURL(%q) = %+v, then %+v %v", raw, r, again, err)
		}
	})
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"", ".", "apps", "apps/", "./a//b/", "..", "../x", "a/../..", "/a", `a\b`, "a/./b", ".git"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := cleanPath(p)
		if err != nil {
			return
		}
		if got == "" {
			return
		}
		for _, part := range strings.Split(got, "/") {
			if part == "" || part == "." || part == ".." {
				t.Fatalf("cleanPath(%q) = %q, which is not clean", p, got)
			}
		}
		if again, err := cleanPath(got); err != nil || again != got {
			t.Fatalf("cleanPath(%q) = %q, then %q %v", p, got, again, err)
		}
	})
}

// FuzzEditTree applies edits read from lines "path=data" (a write) and
// "path" (a removal) to a tree, and checks the result reads back as
// edited, with every tree in git's order.
func FuzzEditTree(f *testing.F) {
	for _, s := range []string{
		"a.yaml=1", "apps/shop.yaml=x\napps/blog.yaml=y", "base.yaml", "apps/base/a.yaml", "apps=file\napps/x=dir",
		"a-b=1\na/b=2\na.b=3\na=4", "d/e/f=1\nd/e/f", "../x=1", ".git/x=1", "a//b=1", "x/.Git/y=2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lines string) {
		s := memory.NewStorage()
		base, _, err := editTree(s, nil, map[string][]byte{"base.yaml": []byte("b"), "apps/base/a.yaml": []byte("a"), "apps/x.sh": []byte("x")}, "")
		if err != nil {
			t.Fatal(err)
		}
		tree, err := object.GetTree(s, base)
		if err != nil {
			t.Fatal(err)
		}
		edits := map[string][]byte{}
		for _, line := range strings.Split(lines, "\n") {
			p, data, write := strings.Cut(line, "=")
			if checkEditPath(p) != nil {
				continue
			}
			if write {
				edits[p] = []byte(data)
			} else {
				edits[p] = nil
			}
		}
		h, empty, err := editTree(s, tree, edits, "")
		if err != nil || empty {
			return // a file over a directory, or the reverse; or nothing left
		}
		out, err := object.GetTree(s, h)
		if err != nil {
			t.Fatal(err)
		}
		checkOrder(t, s, out)
		for p, data := range edits {
			f, err := out.File(p)
			if data == nil {
				if err == nil {
					t.Fatalf("edits %q: %s is still there", edits, p)
				}
				continue
			}
			if err != nil {
				t.Fatalf("edits %q: reading %s: %v", edits, p, err)
			}
			got, err := f.Contents()
			if err != nil || got != string(data) {
				t.Fatalf("edits %q: %s holds %q %v", edits, p, got, err)
			}
		}
		if len(edits) == 0 && h != base {
			t.Fatalf("no edits changed the tree")
		}
	})
}

// checkOrder fails unless every tree under tree lists its entries in
// git's order, no directory is empty and every name is new.
func checkOrder(t *testing.T, s *memory.Storage, tree *object.Tree) {
	t.Helper()
	if len(tree.Entries) == 0 {
		t.Fatal("an empty tree")
	}
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	for i, e := range tree.Entries {
		if i > 0 && key(tree.Entries[i-1]) >= key(e) {
			t.Fatalf("entries %q then %q", tree.Entries[i-1].Name, e.Name)
		}
		if e.Mode == filemode.Dir {
			sub, err := object.GetTree(s, e.Hash)
			if err != nil {
				t.Fatalf("tree %s: %v", e.Name, err)
			}
			checkOrder(t, s, sub)
		}
	}
}
