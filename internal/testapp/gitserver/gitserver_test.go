package gitserver

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// withCredentials is u with user and password in it.
func withCredentials(t *testing.T, u, user, password string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	parsed.User = url.UserPassword(user, password)
	return parsed.String()
}

var hash = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestBare(t *testing.T) {
	t.Parallel()
	t.Run("main holds the files in one first commit", func(t *testing.T) {
		t.Parallel()
		r := Bare(t, map[string]string{"a.yaml": "a: 1\n", "apps/team/b.yaml": "b: 1\n", "empty": ""})
		head := r.Head(t)
		if !hash.MatchString(head) {
			t.Fatalf("Head %q", head)
		}
		for p, want := range map[string]string{"a.yaml": "a: 1\n", "apps/team/b.yaml": "b: 1\n", "empty": ""} {
			if got, ok := r.Show(t, p); !ok || got != want {
				t.Errorf("Show(%q) = %q %v, want %q", p, got, ok, want)
			}
		}
		for _, p := range []string{"b.yaml", "apps/x.yaml", "a.yaml/x"} {
			if got, ok := r.Show(t, p); ok || got != "" {
				t.Errorf("Show(%q) = %q %v, want nothing", p, got, ok)
			}
		}
		want := []Commit{{Hash: head, Subject: "first", Author: Author}}
		if got := r.Log(t, 0); !reflect.DeepEqual(got, want) {
			t.Errorf("Log %+v, want %+v", got, want)
		}
		if !strings.HasPrefix(r.URL, "file:///") || !strings.HasSuffix(r.URL, "/"+r.Name) {
			t.Errorf("URL %q", r.URL)
		}
		if bare := r.Git(t, "rev-parse", "--is-bare-repository"); bare != "true" {
			t.Errorf("bare: %s", bare)
		}
	})
	t.Run("with no files main holds a README", func(t *testing.T) {
		t.Parallel()
		r := Bare(t, nil)
		if _, ok := r.Show(t, "README.md"); !ok {
			t.Error("no README.md")
		}
	})
}

func TestServe(t *testing.T) {
	t.Parallel()
	r := Bare(t, map[string]string{"apps/shop.yaml": "image: shop:1\n"})
	served := r.Serve(t, "deployer", "s3cret")
	if !strings.HasPrefix(served, "http://127.0.0.1:") || !strings.HasSuffix(served, "/repo.git") {
		t.Fatalf("URL %q", served)
	}
	t.Run("a clone with the credentials has main", func(t *testing.T) {
		w := Clone(t, withCredentials(t, served, "deployer", "s3cret"))
		if head := w.Git(t, "rev-parse", "HEAD"); head != r.Head(t) {
			t.Errorf("the clone is at %s, main at %s", head, r.Head(t))
		}
	})
	t.Run("a clone without them or with wrong ones fails", func(t *testing.T) {
		for _, u := range []string{served, withCredentials(t, served, "deployer", "wrong"), withCredentials(t, served, "someone", "s3cret")} {
			_, err := run(environ(t), "", "clone", "-q", u, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), "Authentication failed") && !strings.Contains(err.Error(), "could not read Username") {
				t.Errorf("clone: %v, want it refused for its credentials", err)
			}
		}
	})
	t.Run("a request without credentials gets 401 and a challenge", func(t *testing.T) {
		resp, err := http.Get(served + "/info/refs?service=git-upload-pack")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("status %d, challenge %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("another path is not found", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(served, "repo.git")+"other.git/info/refs?service=git-upload-pack", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("deployer", "s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("a push over HTTP lands on main", func(t *testing.T) {
		before := r.Head(t)
		w := Clone(t, withCredentials(t, served, "deployer", "s3cret"))
		w.Write(t, "apps/blog.yaml", "image: blog:1\n")
		pushed := w.Commit(t, "Add blog\n\nBlog is new.")
		w.Push(t)
		if head := r.Head(t); head != pushed || head == before {
			t.Errorf("main is at %s, want %s pushed", head, pushed)
		}
		if got, ok := r.Show(t, "apps/blog.yaml"); !ok || got != "image: blog:1\n" {
			t.Errorf("apps/blog.yaml holds %q %v", got, ok)
		}
		want := []Commit{{Hash: pushed, Subject: "Add blog", Body: "Blog is new.", Author: Author}, {Hash: before, Subject: "first", Author: Author}}
		if got := r.Log(t, 2); !reflect.DeepEqual(got, want) {
			t.Errorf("Log %+v, want %+v", got, want)
		}
	})
}

func TestServePublic(t *testing.T) {
	t.Parallel()
	r := Bare(t, nil)
	r.Serve(t, "deployer", "s3cret") // lets users push, in the repository's configuration
	served := r.ServePublic(t)
	w := Clone(t, served)
	before := r.Head(t)
	w.Write(t, "a.yaml", "a: 1\n")
	w.Commit(t, "Add a")
	_, err := run(w.env, w.Dir, "push", "origin", Branch)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("push: %v, want 403", err)
	}
	if r.Head(t) != before {
		t.Error("main moved")
	}
}

func TestWork(t *testing.T) {
	t.Parallel()
	r := Bare(t, map[string]string{"apps/shop.yaml": "name: shop\nimage: shop:1\nreplicas: 2\n", "old.yaml": "x: 1\n"})
	first := r.Head(t)
	a, b := r.Clone(t), r.Clone(t)

	a.Write(t, "apps/shop.yaml", "name: shop\nimage: shop:2\nreplicas: 2\n")
	second := a.Commit(t, "Update shop")
	a.Push(t)
	t.Run("Diff shows only the line changed", func(t *testing.T) {
		var changed []string
		for _, line := range strings.Split(r.Diff(t, first, second), "\n") {
			if strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
				changed = append(changed, line)
			}
		}
		want := []string{"--- a/apps/shop.yaml", "+++ b/apps/shop.yaml", "-image: shop:1", "+image: shop:2"}
		if !reflect.DeepEqual(changed, want) {
			t.Errorf("changed lines %q, want %q", changed, want)
		}
	})
	t.Run("Pull brings what another clone pushed", func(t *testing.T) {
		b.Write(t, "unpushed.yaml", "dropped\n")
		b.Commit(t, "never pushed")
		b.Pull(t)
		if head := b.Git(t, "rev-parse", "HEAD"); head != second {
			t.Errorf("the clone is at %s, want %s", head, second)
		}
		b.Remove(t, "old.yaml")
		third := b.Commit(t, "Remove old")
		b.Push(t)
		if _, ok := r.Show(t, "old.yaml"); ok {
			t.Error("old.yaml is still on main")
		}
		if got, ok := r.ShowAt(t, second, "old.yaml"); !ok || got != "x: 1\n" {
			t.Errorf("old.yaml at %s holds %q %v", second, got, ok)
		}
		if _, ok := r.Show(t, "unpushed.yaml"); ok {
			t.Error("a commit Pull dropped is on main")
		}
		if log := r.Log(t, 0); len(log) != 3 || log[0].Hash != third || log[2].Hash != first {
			t.Errorf("Log %+v", log)
		}
	})
	t.Run("a push behind main fails", func(t *testing.T) {
		a.Write(t, "x.yaml", "x\n")
		a.Commit(t, "behind")
		if _, err := run(a.env, a.Dir, "push", "origin", Branch); err == nil || !strings.Contains(err.Error(), "rejected") {
			t.Errorf("push: %v, want it rejected", err)
		}
	})
}
