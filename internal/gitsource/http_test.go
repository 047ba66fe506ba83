package gitsource

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPSource(t *testing.T) {
	t.Run("clone, fetch and push with basic credentials", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: o.Serve(t, "deployer", "pa55word"), Path: "apps", Auth: Auth{Username: "deployer", Password: "pa55word"}})
		second := o.commit(map[string]string{"apps/shop.yaml": "image: shop:2\n"}, "second")
		tip, err := r.Fetch(testContext(t))
		if err != nil || tip.Hash != second {
			t.Fatalf("tip %+v %v, want %s", tip, err, second)
		}
		files, err := r.Files(testContext(t), tip.Hash)
		if err != nil || len(files) != 4 {
			t.Fatalf("files %q %v", paths(files), err)
		}
		c, err := r.Update(testContext(t), Change{Message: "Update shop", Author: author, Edit: setFiles(map[string][]byte{"apps/shop.yaml": []byte("image: shop:3\n")})})
		if err != nil {
			t.Fatal(err)
		}
		if o.tip() != c.Hash || o.bareGit("show", "main:apps/shop.yaml") != "image: shop:3" {
			t.Errorf("main is %s, want the commit pushed %s", o.tip(), c.Hash)
		}
	})
	t.Run("a token alone is sent with the user name git", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: o.Serve(t, "git", "tok3n-abcdef"), Auth: Auth{Password: "tok3n-abcdef"}})
		if tip, err := r.Fetch(testContext(t)); err != nil || tip.Hash != o.tip() {
			t.Errorf("tip %+v %v", tip, err)
		}
	})
	t.Run("a commit pushed meanwhile is kept", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"})
		r := open(t, Config{Name: "apps", URL: o.Serve(t, "git", "tok3n"), Auth: Auth{Password: "tok3n"}})
		var competing string
		c, err := r.Update(testContext(t), Change{Message: "Update a", Author: author, Edit: func(func(string) ([]byte, error)) (map[string][]byte, error) {
			if competing == "" {
				competing = o.commit(map[string]string{"b.yaml": "b: 2\n"}, "by hand")
			}
			return map[string][]byte{"a.yaml": []byte("a: 2\n")}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if got := o.bareGit("log", "--format=%H", "-n", "2", "main"); got != c.Hash+"\n"+competing {
			t.Errorf("history:\n%s\nwant %s on top of %s", got, c.Hash, competing)
		}
	})
	t.Run("wrong credentials give ErrAuth without the password or the token", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		url := o.Serve(t, "deployer", "right-password")
		for _, auth := range []Auth{
			{Username: "deployer", Password: "wr0ng-pa55word"},
			{Password: "wr0ng-tok3n-xyz"},
			{},
		} {
			_, err := Open(testContext(t), filepath.Join(t.TempDir(), "source"), Config{Name: "apps", URL: url, Auth: auth}, discard())
			if !errors.Is(err, ErrAuth) {
				t.Errorf("credentials %q: error %v, want ErrAuth", auth.Username, err)
				continue
			}
			for _, secret := range []string{"wr0ng", "right-password"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
			if errors.Is(err, ErrUnreachable) {
				t.Errorf("error %v is also ErrUnreachable", err)
			}
		}
	})
	t.Run("a server that is down gives ErrUnreachable", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		s := httptest.NewServer(o.Handler(t, "git", "tok3n"))
		defer s.Close()
		cfg := Config{Name: "apps", URL: s.URL + "/" + o.Name, Auth: Auth{Password: "tok3n"}}
		r := open(t, cfg)
		s.Close()
		if _, err := r.Fetch(testContext(t)); !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "tok3n") {
			t.Errorf("Fetch: error %v, want ErrUnreachable", err)
		}
		_, err := r.Update(testContext(t), Change{Message: "x", Author: author, Edit: setFiles(map[string][]byte{"a.yaml": []byte("a")})})
		if !errors.Is(err, ErrUnreachable) {
			t.Errorf("Update: error %v, want ErrUnreachable", err)
		}
		if _, err := Open(testContext(t), filepath.Join(t.TempDir(), "source"), cfg, discard()); !errors.Is(err, ErrUnreachable) {
			t.Errorf("Open: error %v, want ErrUnreachable", err)
		}
	})
	t.Run("a server failing with 503 gives ErrUnreachable", func(t *testing.T) {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		}))
		defer s.Close()
		_, err := Open(testContext(t), filepath.Join(t.TempDir(), "source"), Config{Name: "apps", URL: s.URL + "/r.git"}, discard())
		if !errors.Is(err, ErrUnreachable) {
			t.Errorf("error %v, want ErrUnreachable", err)
		}
	})
	t.Run("a push refused for its credentials gives ErrAuth", func(t *testing.T) {
		o := newOrigin(t, map[string]string{"a.yaml": "a: 1\n"})
		// Anyone may read; only a user may push, and none is set.
		r := open(t, Config{Name: "apps", URL: o.ServePublic(t)})
		before := o.tip()
		_, err := r.Update(testContext(t), Change{Message: "x", Author: author, Edit: setFiles(map[string][]byte{"a.yaml": []byte("a: 2\n")})})
		if !errors.Is(err, ErrAuth) {
			t.Errorf("error %v, want ErrAuth", err)
		}
		if o.tip() != before {
			t.Errorf("main moved")
		}
	})
}
