package release

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/reference"
)

func TestParseFormatRefusesBadFormats(t *testing.T) {
	tests := []struct{ format, want string }{
		{"build-{sha", `"{" at offset 6 is not closed`},
		{"build-{sha}}", `"}" at offset 11 closes no "{"`},
		{"{sha{x}}", `"{" at offset 0 is not closed`},
		{"{commit}", "unknown placeholder {commit}"},
		{"{sha}-{}", "unknown placeholder {}"},
		{"{branch}-{SHA}", "unknown placeholder {SHA}"},
		{"{branch}", "must contain {sha} or {shortsha}"},
		{"nightly", "must contain {sha} or {shortsha}"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			_, err := parseFormat(tt.format)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseFormat(%q) = %v, want ErrFormat saying %q", tt.format, err, tt.want)
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	tests := map[string]string{
		"feature/x":          "feature-x",
		"Fix/JIRA-12_thing":  "Fix-JIRA-12_thing",
		"a//b":               "a-b",
		"release/1.2":        "release-1.2",
		"dependabot/go/x@v2": "dependabot-go-x-v2",
		"ünïcode":            "-n-code",
	}
	for in, want := range tests {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestComputeFormat(t *testing.T) {
	t.Run("{branch}-{shortsha} on feature/x", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("switch", "-q", "-c", "feature/x")
		sha := r.commit("on a feature")
		got := r.mustCompute(Options{Format: "{branch}-{shortsha}"})
		if want := "feature-x-" + sha[:ShortLength]; got.Tag != want || got.Branch != "feature/x" {
			t.Errorf("got tag %q branch %q, want %q and feature/x", got.Tag, got.Branch, want)
		}
	})
	t.Run("{date} and {time} are the commit's, in UTC", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		got := r.mustCompute(Options{Format: "{date}.{time}.{shortsha}"})
		if want := "20240305.20240305040708." + got.ShortCommit; got.Tag != want {
			t.Errorf("tag = %q, want %q", got.Tag, want)
		}
	})
	t.Run("{version} is the nearest release tag without v", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("tag", "v0.9.0")
		r.commit("two")
		r.git("tag", "v1.2.0+meta")
		r.git("tag", "v1.1.0")
		r.git("tag", "v1.3") // not semver, but not on HEAD: passed over
		r.commit("three")
		got := r.mustCompute(Options{Format: "v{version}-{shortsha}"})
		if want := "v1.2.0_meta-" + got.ShortCommit; got.Tag != want {
			t.Errorf("tag = %q, want %q", got.Tag, want)
		}
	})
	t.Run("{version} follows both parents of a merge", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("switch", "-q", "-c", "side")
		r.commit("side one")
		r.git("tag", "v2.0.0")
		r.git("switch", "-q", "main")
		r.commit("main one")
		r.commit("main two")
		r.git("tag", "v1.0.0")
		r.git("merge", "-q", "--no-ff", "-m", "merge", "side")
		r.commit("after the merge")
		got := r.mustCompute(Options{Format: "{version}-{shortsha}"})
		if want := "2.0.0-" + got.ShortCommit; got.Tag != want {
			t.Errorf("tag = %q, want %q (v2.0.0 and v1.0.0 are both two steps away)", got.Tag, want)
		}
	})
	t.Run("{version} is 0.0.0 without a release tag", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		got := r.mustCompute(Options{Format: "{version}-{sha}"})
		if want := "0.0.0-" + got.Commit; got.Tag != want {
			t.Errorf("tag = %q, want %q", got.Tag, want)
		}
	})
	t.Run("a format giving an invalid tag is refused", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		for _, f := range []string{"{sha}/x", ".{sha}", "{sha}{sha}{sha}{sha}"} {
			_, err := r.compute(Options{Format: f})
			if !errors.Is(err, ErrFormat) || !errors.Is(err, reference.ErrTagInvalid) {
				t.Errorf("format %q: err = %v, want ErrFormat and ErrTagInvalid", f, err)
			}
		}
	})
	t.Run("a bad format is refused even with a release tag", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("tag", "v1.0.0")
		if _, err := r.compute(Options{Format: "{nope}"}); !errors.Is(err, ErrFormat) {
			t.Errorf("err = %v, want ErrFormat", err)
		}
	})
}
