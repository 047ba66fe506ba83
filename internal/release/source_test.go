package release

import (
	"strings"
	"testing"
)

func TestSourceURL(t *testing.T) {
	tests := map[string]string{
		"https://github.com/org/repo.git":                                    "https://github.com/org/repo",
		"https://github.com/org/repo":                                        "https://github.com/org/repo",
		"https://gitlab-ci-token:glcbt-SECRET@gitlab.example.com/g/r.git":    "https://gitlab.example.com/g/r",
		"https://x-access-token:ghs_SECRET@github.com/org/repo.git?t=SECRET": "https://github.com/org/repo",
		"https://user:p%40ss@git.example.com:8443/r.git/":                    "https://git.example.com:8443/r",
		"http://git.internal/team/app.git":                                   "http://git.internal/team/app",
		"git@github.com:org/repo.git":                                        "https://github.com/org/repo",
		"github.com:org/repo.git":                                            "https://github.com/org/repo",
		"user:SECRET@host.example:org/a@b.git":                               "https://host.example/org/a@b",
		"ssh://git@github.com/org/repo.git":                                  "https://github.com/org/repo",
		"ssh://git@bitbucket.example:7999/proj/repo.git":                     "https://bitbucket.example/proj/repo",
		"git+ssh://git@[::1]:22/r.git":                                       "https://[::1]/r",
		"git://git.kernel.org/pub/scm/git/git.git":                           "git://git.kernel.org/pub/scm/git/git",
		"/srv/git/repo.git":                                                  "",
		"../repo":                                                            "",
		"./dir:with/colon":                                                   "",
		"file:///srv/git/repo.git":                                           "",
		"https://user:SE%ZZCRET@host/r":                                      "",
		"":                                                                   "",
	}
	for in, want := range tests {
		got := sourceURL(in)
		if got != want {
			t.Errorf("sourceURL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "SECRET") {
			t.Errorf("sourceURL(%q) = %q leaks a credential", in, got)
		}
	}
}

func TestComputeSource(t *testing.T) {
	t.Run("origin's token is not in the source or the labels", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("remote", "add", "origin", "https://gitlab-ci-token:SECRET@gitlab.example.com/shop/web.git")
		r.git("remote", "add", "upstream", "https://example.com/other.git")
		got := r.mustCompute(Options{})
		if got.Source != "https://gitlab.example.com/shop/web" {
			t.Errorf("source = %q, want https://gitlab.example.com/shop/web", got.Source)
		}
		for k, v := range Labels(got) {
			if strings.Contains(v, "SECRET") {
				t.Errorf("label %s = %q leaks the token", k, v)
			}
		}
	})
	t.Run("an scp-like origin becomes https", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("remote", "add", "origin", "git@github.com:berth-dev/berth.git")
		if got := r.mustCompute(Options{}); got.Source != "https://github.com/berth-dev/berth" {
			t.Errorf("source = %q, want https://github.com/berth-dev/berth", got.Source)
		}
	})
	t.Run("no origin is no source", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("remote", "add", "upstream", "https://example.com/r.git")
		if got := r.mustCompute(Options{}); got.Source != "" {
			t.Errorf("source = %q, want none", got.Source)
		}
	})
}
